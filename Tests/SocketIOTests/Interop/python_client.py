"""Connects the official python-socketio client to a Novyse Socket.IO server and prints what happens.

Usage: python_client.py URL TOKEN TRANSPORTS   (TRANSPORTS: "default" or "websocket")
Prints one line per step; exits 0 when the whole scenario ran, 1 otherwise. A refused token prints the
CONNECT_ERROR data ("refused {...}") and exits 0, so the test can check the code.
"""
import json
import sys
import threading

import socketio


def main():
    url, token, transports = sys.argv[1], sys.argv[2], sys.argv[3]
    sio = socketio.Client(reconnection=False)
    greeted = threading.Event()

    @sio.on("greeting")
    def on_greeting(data):
        print("greeting " + json.dumps(data, sort_keys=True), flush=True)
        greeted.set()

    @sio.event
    def connect_error(data):
        print("refused " + json.dumps(data, sort_keys=True), flush=True)

    kwargs = {"auth": {"token": token}, "wait_timeout": 10}
    if transports == "websocket":
        kwargs["transports"] = ["websocket"]
    try:
        sio.connect(url, **kwargs)
    except socketio.exceptions.ConnectionError as error:
        print("not connected " + str(error), flush=True)
        return 0
    print("connected " + sio.transport(), flush=True)
    print("ack " + json.dumps(sio.call("echo", {"hello": "novyse"}, timeout=10), sort_keys=True), flush=True)
    if not greeted.wait(10):
        print("no greeting", flush=True)
        return 1
    print("transport " + sio.transport(), flush=True)
    sio.disconnect()
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
