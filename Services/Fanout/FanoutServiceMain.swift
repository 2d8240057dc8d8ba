import NovyseService

/// Real-time delivery: Socket.IO pushes to connected devices, FCM wake-ups for offline ones.
@main
struct FanoutServiceMain {
    static func main() async {
        await ServiceLauncher.run(.fanout)
    }
}
