/** Bad flags or configuration: nothing was sent. The CLI exits 2. */
export class UsageError extends Error {}
