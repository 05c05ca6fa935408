/**
 * The JDBC {@link dev.taskito.store.ClaimStore}: {@link dev.taskito.store.jdbc.JdbcClaimStore}
 * with dialects for PostgreSQL (a cluster) and H2 (one process).
 *
 * <p>Decisions that the SPI leaves open:
 * <ul>
 * <li>Five tables share a prefix ({@code jobs}, {@code claims}, {@code instances},
 * {@code queues}, {@code rate_buckets}); their DDL is in {@code schema-<dialect>.sql} next to
 * these classes, for users who manage schemas themselves, and every statement the store runs
 * is in {@code queries-<dialect>.sql}.</li>
 * <li>Times are {@code timestamp with time zone} from the database: {@code clock_timestamp()}
 * on PostgreSQL, {@code CURRENT_TIMESTAMP} on H2. A {@code runAt} the caller gives is stored
 * as given; every delay, lease and expiry is computed by the database.</li>
 * <li>A unique key is held while its job is {@code PENDING} or {@code RUNNING}: a partial
 * unique index on PostgreSQL, a generated column with a unique index on H2.</li>
 * <li>An instance is live while its last heartbeat is younger than the lease of the heartbeat
 * asking; its caps are kept as JSON in its row.</li>
 * <li>A rate bucket is refilled from the time the database last wrote it, and written back
 * with the database time the refill was computed at.</li>
 * <li>Claims take, per task and queue, at most the smallest of the task's, the queue's and the
 * overall limit, then apply the queue limits, the task limits and the overall limit in claim
 * order.</li>
 * <li>Listing, counting and bulk steps read one index, {@code jobs_listing (status, task,
 * queue, id)}, pair by pair in id order (on PostgreSQL {@code jobs_listing_not_running}, and
 * {@code jobs_running (id)} for running jobs); an awaited job ({@code jobs.awaited}) is announced
 * by the statement that finishes it ({@code NOTIFY} on PostgreSQL, in the JVM after the
 * commit on H2).</li>
 * </ul>
 */
package dev.taskito.store.jdbc;
