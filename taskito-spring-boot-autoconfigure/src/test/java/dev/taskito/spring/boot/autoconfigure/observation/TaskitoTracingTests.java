package dev.taskito.spring.boot.autoconfigure.observation;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.sql.DataSource;

import brave.handler.MutableSpan;
import brave.handler.SpanHandler;
import brave.propagation.TraceContext;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.micrometer.tracing.autoconfigure.MicrometerTracingAutoConfiguration;
import org.springframework.boot.micrometer.tracing.brave.autoconfigure.BraveAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.datasource.DelegatingDataSource;

import dev.taskito.JobExecutionInterceptor;
import dev.taskito.JobHeadersContributor;
import dev.taskito.JobId;
import dev.taskito.Task;
import dev.taskito.TaskQueue;
import dev.taskito.spring.boot.autoconfigure.TaskitoAutoConfiguration;
import dev.taskito.spring.boot.autoconfigure.listener.TaskitoListenerAutoConfiguration;
import dev.taskito.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A job continues the trace of its enqueue on another instance: a producer-only
 * application enqueues inside a span, a second application on the same PostgreSQL tables
 * runs the job, and the handler's span has the enqueuer's trace id and the enqueuing span
 * as its parent. Both run Spring Boot's Brave tracing with its default (W3C) propagation;
 * the worker's {@link ObservationRegistry} is Micrometer's {@link TestObservationRegistry}.
 */
class TaskitoTracingTests {

	static final String PREFIX = TestPostgres.newTablePrefix();

	@AfterAll
	static void dropTables() {
		TestPostgres.dropTables(PREFIX);
	}

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class,
				MicrometerTracingAutoConfiguration.class, BraveAutoConfiguration.class, TaskitoAutoConfiguration.class,
				TaskitoListenerAutoConfiguration.class, TaskitoObservationAutoConfiguration.class))
		.withPropertyValues("taskito.jdbc.table-prefix=" + PREFIX, "management.tracing.sampling.probability=1.0",
				"taskito.dispatcher.poll-interval=100ms", "taskito.shutdown.timeout=5s")
		.withBean(DataSource.class, () -> new DelegatingDataSource(TestPostgres.dataSource()))
		.withBean(TracedTasks.class);

	@Test
	void theJobsSpanContinuesTheEnqueuersTraceOnAnotherInstance() {
		this.runner.withPropertyValues("taskito.dispatcher.enabled=false").run((producer) -> {
			assertThat(producer).hasNotFailed();
			Tracer producerTracer = producer.getBean(Tracer.class);
			TaskQueue queue = producer.getBean(TaskQueue.class);
			Span[] enqueuing = new Span[1];
			JobId[] id = new JobId[1];
			Observation.createNotStarted("checkout", producer.getBean(ObservationRegistry.class)).observe(() -> {
				enqueuing[0] = producerTracer.currentSpan();
				id[0] = queue.enqueue("traced", "hello");
			});
			assertThat(enqueuing[0]).as("the producer's observation opened a span").isNotNull();
			this.runner.withBean(ObservationRegistry.class, TestObservationRegistry::create)
				.withBean(SpanCollector.class)
				.run((worker) -> {
					assertThat(worker).hasNotFailed();
					TracedTasks tasks = worker.getBean(TracedTasks.class);
					await().atMost(Duration.ofSeconds(30)).until(() -> !tasks.seen.isEmpty());
					Span handlerSpan = tasks.seen.get(0);
					assertThat(handlerSpan.context().traceId()).isEqualTo(enqueuing[0].context().traceId());
					assertThat(handlerSpan.context().parentId()).isEqualTo(enqueuing[0].context().spanId());
					assertThat(handlerSpan.context().spanId()).isNotEqualTo(enqueuing[0].context().spanId());
					TestObservationRegistryAssert.assertThat(worker.getBean(TestObservationRegistry.class))
						.hasObservationWithNameEqualTo("taskito.job")
						.that()
						.hasContextualNameEqualTo("taskito.job traced")
						.hasLowCardinalityKeyValue("task", "traced")
						.hasLowCardinalityKeyValue("queue", "default")
						.hasHighCardinalityKeyValue("job.id", id[0].toString())
						.hasBeenStarted()
						.hasBeenStopped();
					await().atMost(Duration.ofSeconds(10))
						.untilAsserted(() -> assertThat(worker.getBean(SpanCollector.class).spans)
							.anySatisfy((span) -> {
								assertThat(span.name()).isEqualTo("taskito.job traced");
								assertThat(span.traceId()).isEqualTo(enqueuing[0].context().traceId());
								assertThat(span.parentId()).isEqualTo(enqueuing[0].context().spanId());
								assertThat(span.tags()).containsEntry("task", "traced").containsEntry("queue", "default");
							}));
				});
		});
	}

	@Test
	void aJobEnqueuedOutsideATraceStartsOne() {
		this.runner.run((context) -> {
			TracedTasks tasks = context.getBean(TracedTasks.class);
			context.getBean(TaskQueue.class).enqueue("traced", "untraced");
			await().atMost(Duration.ofSeconds(30)).until(() -> !tasks.seen.isEmpty());
			assertThat(tasks.seen.get(0).context().parentId()).as("a root span: no trace travelled").isNull();
		});
	}

	@Test
	void theBeansAppearWithAnObservationRegistryAndBackOff() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(TaskitoJobObservationInterceptor.class);
			assertThat(context).hasSingleBean(TaskitoTraceHeadersContributor.class);
		});
		this.runner.withBean("ownInterceptor", TaskitoJobObservationInterceptor.class,
				() -> new TaskitoJobObservationInterceptor(ObservationRegistry.NOOP, null))
			.withBean("ownContributor", TaskitoTraceHeadersContributor.class,
					() -> new TaskitoTraceHeadersContributor(() -> null, () -> null))
			.run((context) -> {
				assertThat(context).getBeanNames(TaskitoJobObservationInterceptor.class).containsExactly("ownInterceptor");
				assertThat(context).getBeanNames(TaskitoTraceHeadersContributor.class).containsExactly("ownContributor");
			});
	}

	@Test
	void noObservationRegistryNoObservation() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(TaskitoObservationAutoConfiguration.class))
			.run((context) -> {
				assertThat(context).doesNotHaveBean(TaskitoJobObservationInterceptor.class);
				assertThat(context).doesNotHaveBean(JobHeadersContributor.class);
			});
	}

	@Test
	void withoutMicrometerTracingObservationOnly() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(TaskitoObservationAutoConfiguration.class))
			.withBean(ObservationRegistry.class, ObservationRegistry::create)
			.withClassLoader(new FilteredClassLoader(Tracer.class))
			.run((context) -> {
				assertThat(context).hasSingleBean(TaskitoJobObservationInterceptor.class);
				assertThat(context).doesNotHaveBean(JobHeadersContributor.class);
			});
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(TaskitoObservationAutoConfiguration.class))
			.withBean(ObservationRegistry.class, ObservationRegistry::create)
			.withClassLoader(new FilteredClassLoader(ObservationRegistry.class))
			.run((context) -> assertThat(context).doesNotHaveBean(TaskitoJobObservationInterceptor.class));
	}

	/**
	 * Without a tracer an attempt is not observed unless the application asks for it: the
	 * metrics listener's timer measures each attempt already, and the observation's own
	 * timer and long-task timer would cost several microseconds of CPU per attempt.
	 */
	@Test
	void withoutATracerAttemptsAreObservedOnlyWhenAskedFor() {
		ApplicationContextRunner noTracer = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(TaskitoObservationAutoConfiguration.class))
			.withBean(ObservationRegistry.class, TestObservationRegistry::create)
			.withClassLoader(new FilteredClassLoader(Tracer.class));
		noTracer.run((context) -> {
			assertThat(runOneAttempt(context)).isEqualTo("done");
			TestObservationRegistryAssert.assertThat(context.getBean(TestObservationRegistry.class))
				.doesNotHaveAnyObservation();
		});
		noTracer.withPropertyValues("taskito.observation.enabled=true").run((context) -> {
			assertThat(runOneAttempt(context)).isEqualTo("done");
			TestObservationRegistryAssert.assertThat(context.getBean(TestObservationRegistry.class))
				.hasObservationWithNameEqualTo("taskito.job");
		});
		// With a tracer, observed unless turned off.
		this.runner.withBean(ObservationRegistry.class, TestObservationRegistry::create)
			.withPropertyValues("taskito.dispatcher.enabled=false", "taskito.observation.enabled=false")
			.run((context) -> {
				assertThat(runOneAttempt(context)).isEqualTo("done");
				TestObservationRegistryAssert.assertThat(context.getBean(TestObservationRegistry.class))
					.doesNotHaveAnyObservation();
			});
	}

	private static Object runOneAttempt(org.springframework.context.ApplicationContext context) throws Exception {
		JobId id = JobId.newId();
		return context.getBean(TaskitoJobObservationInterceptor.class).intercept(new JobExecutionInterceptor.Execution() {

			@Override
			public JobId jobId() {
				return id;
			}

			@Override
			public String taskName() {
				return "traced";
			}

			@Override
			public String queue() {
				return "default";
			}

			@Override
			public int attempt() {
				return 1;
			}

			@Override
			public java.util.Map<String, String> headers() {
				return java.util.Map.of();
			}

			@Override
			public Object proceed() {
				return "done";
			}

		});
	}

	/**
	 * A task that records the span current in its handler.
	 */
	static class TracedTasks {

		final List<Span> seen = new CopyOnWriteArrayList<>();

		private final Tracer tracer;

		TracedTasks(Tracer tracer) {
			this.tracer = tracer;
		}

		@Task(name = "traced")
		void traced(String text) {
			this.seen.add(this.tracer.currentSpan());
		}

	}

	/**
	 * The spans Brave finished, which Spring Boot's Brave auto-configuration reports to
	 * every {@link SpanHandler} bean.
	 */
	static class SpanCollector extends SpanHandler {

		final List<MutableSpan> spans = new CopyOnWriteArrayList<>();

		@Override
		public boolean end(TraceContext context, MutableSpan span, Cause cause) {
			this.spans.add(span);
			return true;
		}

	}

}
