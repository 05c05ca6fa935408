package dev.taskito.spring.boot.autoconfigure;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.annotation.Order;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionSynchronizationUtils;

import dev.taskito.Task;
import dev.taskito.TaskQueue;
import dev.taskito.dispatch.DefaultTaskQueue;
import dev.taskito.dispatch.TaskDispatcher;
import dev.taskito.dispatch.TaskRegistry;
import dev.taskito.store.ClaimStore;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The beans of {@link TaskitoAutoConfiguration} around a store the test provides: each is
 * present by default and backs off for the application's own, and the properties switch
 * them.
 */
@ExtendWith(OutputCaptureExtension.class)
class TaskitoAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TaskitoAutoConfiguration.class))
		.withBean(ClaimStore.class, RecordingClaimStore::new)
		.withBean("emailTasks", EmailTasks.class);

	@Test
	void providesRegistryQueueDispatcherAndLifecycle() {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(TaskRegistry.class);
			assertThat(context).hasSingleBean(TaskQueue.class);
			assertThat(context).getBean(TaskQueue.class).isInstanceOf(DefaultTaskQueue.class);
			assertThat(context).hasSingleBean(TaskDispatcher.class);
			assertThat(context).hasSingleBean(TaskitoLifecycle.class);
			assertThat(context.getBean(TaskDispatcher.class).isRunning()).isTrue();
		});
	}

	@Test
	void theDispatcherStopsWithTheContext() {
		TaskDispatcher[] dispatcher = new TaskDispatcher[1];
		this.runner.run((context) -> dispatcher[0] = context.getBean(TaskDispatcher.class));
		assertThat(dispatcher[0].isRunning()).isFalse();
	}

	@Test
	void dispatcherDisabledGivesAProducerOnlyInstance() {
		this.runner.withPropertyValues("taskito.dispatcher.enabled=false").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(TaskDispatcher.class);
			assertThat(context).hasSingleBean(TaskQueue.class);
			context.getBean(TaskQueue.class).enqueue("send", "a@b.c");
			assertThat(context.getBean(RecordingClaimStore.class).enqueued).hasSize(1);
		});
	}

	@Test
	void dispatcherAutoStartupFalseBuildsTheDispatcherWithoutStartingIt() {
		this.runner.withPropertyValues("taskito.dispatcher.auto-startup=false").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(TaskDispatcher.class);
			assertThat(context.getBean(TaskitoLifecycle.class).isRunning()).isTrue();
			assertThat(context.getBean(TaskDispatcher.class).isRunning()).isFalse();
		});
		this.runner.run((context) -> assertThat(context.getBean(TaskDispatcher.class).isRunning()).isTrue());
	}

	@Test
	void backsOffForTheApplicationsClaimStore() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(ClaimStore.class);
			assertThat(context).getBean(ClaimStore.class).isInstanceOf(RecordingClaimStore.class);
			assertThat(context).doesNotHaveBean(TaskitoEmbeddedDatabase.class);
		});
	}

	@Test
	void backsOffForTheApplicationsTaskQueue() {
		TaskQueue own = new DefaultTaskQueue(new RecordingClaimStore(), new TaskRegistry());
		this.runner.withBean("ownQueue", TaskQueue.class, () -> own).run((context) -> {
			assertThat(context).hasSingleBean(TaskQueue.class);
			assertThat(context.getBean(TaskQueue.class)).isSameAs(own);
		});
	}

	@Test
	void backsOffForTheApplicationsRegistry() {
		TaskRegistry own = new TaskRegistry();
		this.runner.withBean("ownRegistry", TaskRegistry.class, () -> own).run((context) -> {
			assertThat(context).hasSingleBean(TaskRegistry.class);
			assertThat(context.getBean(TaskRegistry.class)).isSameAs(own);
			assertThat(own.taskNames()).containsExactly("send");
		});
	}

	@Test
	void backsOffForTheApplicationsDispatcher() {
		this.runner
			.withBean("ownDispatcher", TaskDispatcher.class,
					() -> TaskDispatcher.builder(new RecordingClaimStore(), new TaskRegistry())
						.instanceId("own")
						.build())
			.run((context) -> {
				assertThat(context).hasSingleBean(TaskDispatcher.class);
				assertThat(context.getBean(TaskDispatcher.class).instanceId()).isEqualTo("own");
			});
	}

	@Test
	void customizersApplyInOrderAfterTheProperties() {
		List<String> calls = new CopyOnWriteArrayList<>();
		this.runner.withBean("second", SecondCustomizer.class, () -> new SecondCustomizer(calls))
			.withBean("first", FirstCustomizer.class, () -> new FirstCustomizer(calls))
			.run((context) -> {
				assertThat(calls).containsExactly("first", "second");
				assertThat(context.getBean(TaskDispatcher.class).instanceId()).isEqualTo("customized");
			});
	}

	@Test
	void invalidDispatcherSettingsFailNamingTheProperties() {
		this.runner.withPropertyValues("taskito.worker.concurrency=0").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(TaskBeanPostProcessorTests.taskitoFailure(context)).hasMessageContaining("Invalid Taskito dispatcher settings")
				.hasMessageContaining("concurrency must be at least 1, was 0");
		});
	}

	@Test
	void pausedQueuesAreAppliedThroughTheStoreAtStart() {
		this.runner
			.withPropertyValues("taskito.queues.emails.paused=true", "taskito.queues.default.paused=false",
					"taskito.queues.default.max-concurrent=4")
			.withBean("reportTasks", ReportTasks.class)
			.run((context) -> {
				RecordingClaimStore store = context.getBean(RecordingClaimStore.class);
				assertThat(store.paused).containsEntry("emails", true).containsEntry("default", false);
			});
	}

	@Test
	void localWakeUpsWaitForTheCallersCommit() {
		this.runner.withPropertyValues("taskito.dispatcher.enabled=false").run((context) -> {
			DefaultTaskQueue queue = context.getBean(DefaultTaskQueue.class);
			AtomicInteger wakeUps = new AtomicInteger();
			queue.addEnqueueListener(wakeUps::incrementAndGet);
			TransactionSynchronizationManager.initSynchronization();
			try {
				queue.enqueue("send", "a@b.c");
				assertThat(wakeUps).hasValue(0);
				TransactionSynchronizationUtils.triggerAfterCommit();
				assertThat(wakeUps).hasValue(1);
			}
			finally {
				TransactionSynchronizationManager.clearSynchronization();
			}
			queue.enqueue("send", "b@b.c");
			assertThat(wakeUps).hasValue(2);
		});
	}

	@Test
	void virtualThreadsAreIgnoredWithAWarningBeforeJava21(CapturedOutput output) {
		this.runner.withPropertyValues("spring.threads.virtual.enabled=true").run((context) -> {
			assertThat(context).hasNotFailed();
			if (Runtime.version().feature() < 21) {
				assertThat(output).contains("spring.threads.virtual.enabled is true but Java "
						+ Runtime.version().feature() + " has no virtual threads");
			}
		});
	}

	@Test
	void virtualThreadsPropertyWinsOverSpringThreadsVirtual(CapturedOutput output) {
		this.runner
			.withPropertyValues("spring.threads.virtual.enabled=true", "taskito.worker.virtual-threads=false")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(output).doesNotContain("has no virtual threads");
			});
	}

	@Test
	void isRegisteredAndOrderedAfterBootsStoreAutoConfigurations() throws Exception {
		String imports = new String(getClass().getClassLoader()
			.getResourceAsStream("META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports")
			.readAllBytes());
		assertThat(imports.lines()).contains(TaskitoAutoConfiguration.class.getName());
		AutoConfiguration annotation = TaskitoAutoConfiguration.class.getAnnotation(AutoConfiguration.class);
		assertThat(annotation.afterName()).contains(
				"org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration",
				"org.springframework.boot.liquibase.autoconfigure.LiquibaseAutoConfiguration");
		// Flyway and Liquibase are not on this classpath; every other name must be a real class.
		for (String name : annotation.afterName()) {
			if (!name.contains(".flyway.") && !name.contains(".liquibase.")) {
				assertThat(Class.forName(name)).as(name).isNotNull();
			}
		}
	}

	static class EmailTasks {

		@Task(name = "send", queue = "emails")
		void send(String to) {
		}

	}

	static class ReportTasks {

		@Task(name = "report")
		void report() {
		}

	}

	@Order(2)
	record SecondCustomizer(List<String> calls) implements TaskDispatcherCustomizer {

		@Override
		public void customize(TaskDispatcher.Builder builder) {
			this.calls.add("second");
			builder.instanceId("customized");
		}

	}

	@Order(1)
	record FirstCustomizer(List<String> calls) implements TaskDispatcherCustomizer {

		@Override
		public void customize(TaskDispatcher.Builder builder) {
			this.calls.add("first");
			builder.instanceId("overridden-by-second");
		}

	}

}
