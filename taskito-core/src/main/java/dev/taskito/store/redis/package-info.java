/**
 * The Redis {@link dev.taskito.store.ClaimStore}: {@link dev.taskito.store.redis.RedisClaimStore}
 * on Lettuce, every state change one Lua script.
 *
 * <p>Decisions that the SPI leaves open:
 * <ul>
 * <li>Every key starts with the key prefix made a Cluster hash tag ({@code taskito:} gives
 * <code>{taskito}:</code>), so a namespace lives in one slot; {@code docs/redis.md} lists the
 * keys.</li>
 * <li>Due jobs wait in one sorted set per queue and task, ordered by priority, due time and
 * job id; jobs not yet due wait in one set by due time, and each claim first moves the due
 * ones over, so nothing polls per job.</li>
 * <li>Running counts are the sizes of per-task and per-queue sets of claimed job ids, kept by
 * the same scripts that claim and finish.</li>
 * <li>A claim call's jobs are listed under its batch id for ten minutes (or four leases), so a
 * claim whose answer was lost is found again, and a claim sent twice answers with its own
 * jobs instead of claiming more.</li>
 * <li>A repeated finish of a recorded outcome answers "recorded" again and changes nothing;
 * the store repeats idempotent scripts by itself when a connection drops under them.</li>
 * <li>Wake-ups are {@code PUBLISH}ed on a channel of the namespace; a freed slot reaches other
 * instances a few random milliseconds late, so they do not all claim it at once.</li>
 * </ul>
 */
package dev.taskito.store.redis;
