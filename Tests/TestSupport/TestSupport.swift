@_exported import NovyseDevServers
