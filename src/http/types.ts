declare module 'fastify' {
  interface FastifyReply {
    /** The stable code of the problem+json this reply carries, for metrics and the log line. */
    problemCode?: string;
  }
  interface FastifyContextConfig {
    /** Probes and scrapes are not logged, so they do not drown real traffic. */
    skipLog?: boolean;
  }
}

export {};
