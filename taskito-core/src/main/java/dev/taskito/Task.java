package dev.taskito;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method as the handler of a task. Jobs enqueued under the task's name run this
 * method on whichever instance of the application claims them; the JSON arguments given
 * at enqueue are bound to the method's parameters, and a {@link JobContext} parameter, if
 * declared, receives the job's context instead.
 *
 * <p>Limits given here are defaults: {@code taskito.tasks.<name>.*} properties override them.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Task {

	/**
	 * The task's name, used to enqueue it. Blank means {@code SimpleClassName.methodName}.
	 */
	String name() default "";

	/**
	 * The queue the task's jobs go to unless an {@link EnqueueRequest} names another.
	 */
	String queue() default TaskitoDefaults.QUEUE;

	/**
	 * The most jobs of this task that may run at once across every instance sharing the
	 * store; {@code 0} means no cap. A negative value is refused at registration.
	 */
	int maxConcurrent() default 0;

	/**
	 * The most jobs of this task with one {@link EnqueueRequest#concurrencyKey concurrency key}
	 * (a tenant, a customer, an account) that may run at once across every instance; {@code 0}
	 * means no cap per key. Holds beside {@link #maxConcurrent()} when both are set. A job
	 * without a key counts only against the task-wide cap. A negative value is refused at
	 * registration.
	 */
	int maxConcurrentPerKey() default 0;

	/**
	 * How many times a failed job is retried before it is marked {@link JobStatus#DEAD};
	 * {@code -1} means the configured default ({@code taskito.retry.max-retries}).
	 */
	int maxRetries() default -1;

	/**
	 * How long one attempt may run before its thread is interrupted and the attempt counts
	 * as failed, as a duration string such as {@code "30s"}, {@code "5m"} or
	 * {@code "PT1M"}, read as Spring Boot reads durations in {@code application.yml} (a
	 * plain number is milliseconds); blank means no timeout.
	 */
	String timeout() default "";

	/**
	 * A cluster-wide rate limit such as {@code "100/m"} ({@code s}, {@code m}, {@code h} or
	 * {@code d}); blank means none.
	 */
	String rateLimit() default "";

	/**
	 * The default priority of the task's jobs: higher runs first among due jobs.
	 */
	int priority() default 0;

	/**
	 * Makes the task periodic: a cron expression of six fields, seconds first, as Spring's
	 * {@code CronExpression} reads it (such as {@code "0 *&#47;5 * * * *"}, every five minutes).
	 * Each tick enqueues exactly one job across the cluster, which then runs under the task's
	 * caps, retries and dead-job rules like any other. The handler must take no parameters
	 * other than a {@link JobContext}. Blank means not periodic; {@code taskito.tasks.<name>.cron}
	 * overrides it, and {@code "-"} there switches it off. Read by the Spring layer: a plain
	 * Java program gives the task's definition a {@link Schedule} instead.
	 */
	String cron() default "";

	/**
	 * The time zone the {@link #cron()} expression is read in, such as {@code "Europe/Paris"};
	 * blank means UTC (never the JVM's zone, which may differ between instances).
	 */
	String zone() default "";

}
