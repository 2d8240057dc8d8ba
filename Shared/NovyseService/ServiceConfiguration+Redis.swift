import NovyseRedis

extension ServiceConfiguration {
    /// Every Redis key this deployment uses, from `NOVYSE_REDIS_PREFIX`.
    public var keyspace: RedisKeyspace { RedisKeyspace(prefix: redisPrefix) }

    /// The pipeline's partition streams, from `NOVYSE_REDIS_PREFIX` and `NOVYSE_PARTITIONS`.
    public var pipelineLayout: PipelineLayout { PipelineLayout(keyspace: keyspace, partitions: partitions) }
}
