/**
 * The client's connectivity states, after grpc-js: a failure leads to `transient_failure`, from
 * which the next call always goes back to `connecting` (after the backoff). Only `shutdown`, by
 * close(), is final: the client never ends up permanently dead.
 *
 *   idle --call--> connecting --handshake done--> ready --connection lost--> idle
 *                      |   ^  
 *                      |   +---- retry after backoff (up to max-retries) ----+
 *                      +-- retries exhausted --> transient_failure --next call--> connecting
 *   any --close()--> shutdown
 */
export type ConnectivityState = 'idle' | 'connecting' | 'ready' | 'transient_failure' | 'shutdown';
