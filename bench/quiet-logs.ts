/**
 * Imported first by bench/run.ts, before anything creates a Powertools logger: the bench's handlers and
 * services run in this process, and at Powertools' default level (INFO) every claim, job and deletion
 * would print a line among the figures. Warnings and errors still show. POWERTOOLS_LOG_LEVEL overrides.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
