package dev.taskito.spring.boot.autoconfigure;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.aopalliance.intercept.MethodInterceptor;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.aop.framework.ProxyFactory;
import org.springframework.boot.LazyInitializationBeanFactoryPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.taskito.Task;
import dev.taskito.TaskQueue;
import dev.taskito.dispatch.TaskDefinition;
import dev.taskito.dispatch.TaskRegistry;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.RateLimit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code @Task} scanner: what it registers, how properties override annotations, and
 * every startup error it raises, each naming bean, method and reason.
 */
class TaskBeanPostProcessorTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TaskitoAutoConfiguration.class))
		.withBean(ClaimStore.class, RecordingClaimStore::new)
		.withPropertyValues("taskito.dispatcher.enabled=false");

	@Test
	void registersTaskMethodsWithTheirAnnotationLimits() {
		this.runner.withBean("emailTasks", EmailTasks.class).run((context) -> {
			TaskRegistry registry = context.getBean(TaskRegistry.class);
			assertThat(registry.taskNames()).containsExactly("EmailTasks.unnamed", "send-email");
			TaskDefinition send = registry.require("send-email");
			assertThat(send.queue()).isEqualTo("emails");
			assertThat(send.maxConcurrent()).isEqualTo(5);
			assertThat(send.rateLimit()).isEqualTo(RateLimit.parse("10/s"));
			assertThat(send.source()).contains("emailTasks").contains("EmailTasks.send");
		});
	}

	@Test
	void taskBeansRegisterUnderLazyInitializationWhileOtherBeansStayLazy() {
		AtomicInteger plainBeansCreated = new AtomicInteger();
		this.runner
			.withInitializer((context) -> context.addBeanFactoryPostProcessor(
					new LazyInitializationBeanFactoryPostProcessor()))
			.withBean("emailTasks", EmailTasks.class)
			.withBean("plain", Object.class, () -> {
				plainBeansCreated.incrementAndGet();
				return new Object();
			})
			.run((context) -> {
				// Nothing injects emailTasks, yet its tasks can be enqueued.
				assertThat(context.getBean(TaskRegistry.class).taskNames()).contains("send-email");
				assertThat(plainBeansCreated).hasValue(0);
			});
	}

	@Test
	void propertiesOverrideTheAnnotation() {
		this.runner.withBean("emailTasks", EmailTasks.class)
			.withPropertyValues("taskito.tasks.send-email.max-concurrent=2", "taskito.tasks.send-email.max-retries=7",
					"taskito.tasks.send-email.timeout=45s", "taskito.tasks.send-email.rate-limit=5/10s",
					"taskito.tasks.send-email.priority=9", "taskito.tasks.[EmailTasks.unnamed].max-concurrent=1",
					"taskito.retry.max-retries=4", "taskito.queues.emails.max-concurrent=3",
					"taskito.queues.emails.rate-limit=100/m")
			.run((context) -> {
				TaskRegistry registry = context.getBean(TaskRegistry.class);
				TaskDefinition send = registry.require("send-email");
				assertThat(send.maxConcurrent()).isEqualTo(2);
				assertThat(send.maxRetries()).isEqualTo(7);
				assertThat(send.timeout()).hasSeconds(45);
				assertThat(send.rateLimit()).isEqualTo(RateLimit.parse("5/10s"));
				assertThat(send.priority()).isEqualTo(9);
				assertThat(registry.require("EmailTasks.unnamed").maxConcurrent()).isEqualTo(1);
				assertThat(registry.maxRetries(registry.require("EmailTasks.unnamed"))).isEqualTo(4);
				assertThat(registry.queue("emails").maxConcurrent()).isEqualTo(3);
				assertThat(registry.queue("emails").rateLimit()).isEqualTo(RateLimit.parse("100/m"));
			});
	}

	@Test
	void capPerKeyComesFromTheAnnotationAndPropertiesOverrideIt() {
		this.runner.withBean("tenantTasks", TenantTasks.class).run((context) -> {
			TaskDefinition report = context.getBean(TaskRegistry.class).require("tenant-report");
			assertThat(report.maxConcurrentPerKey()).isEqualTo(2);
			assertThat(report.maxConcurrent()).isEqualTo(10);
		});
		this.runner.withBean("tenantTasks", TenantTasks.class)
			.withPropertyValues("taskito.tasks.tenant-report.max-concurrent-per-key=1")
			.run((context) -> {
				TaskDefinition report = context.getBean(TaskRegistry.class).require("tenant-report");
				assertThat(report.maxConcurrentPerKey()).isEqualTo(1);
				assertThat(report.maxConcurrent()).as("the task-wide cap stays").isEqualTo(10);
			});
		this.runner.withBean("tenantTasks", TenantTasks.class)
			.withPropertyValues("taskito.tasks.tenant-report.max-concurrent-per-key=-1")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(taskitoFailure(context))
					.hasMessageContaining("taskito.tasks.tenant-report.max-concurrent-per-key is -1");
			});
	}

	@Test
	void classBasedProxiesAreCalledThroughTheProxy() {
		this.runner.withUserConfiguration(ProxiedTasksConfiguration.class).run((context) -> {
			TaskRegistry registry = context.getBean(TaskRegistry.class);
			Object result = registry.require("class-proxied").handler().handle(new Object[] { 20 }, null);
			assertThat(result).isEqualTo(21);
			assertThat(context.getBean("adviceCalls", AtomicInteger.class)).hasValue(1);
		});
	}

	@Test
	void interfaceBasedProxiesAreCalledThroughTheProxy() {
		this.runner.withUserConfiguration(JdkProxiedTasksConfiguration.class).run((context) -> {
			TaskRegistry registry = context.getBean(TaskRegistry.class);
			Object result = registry.require("jdk-proxied").handler().handle(new Object[] { 1 }, null);
			assertThat(result).isEqualTo(2);
			assertThat(context.getBean("adviceCalls", AtomicInteger.class)).hasValue(1);
		});
	}

	@Test
	void interfaceBasedProxyWhoseTaskIsNotOnTheInterfaceFailsNamingBeanAndMethod() {
		this.runner.withUserConfiguration(JdkProxyHidingTaskConfiguration.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(taskitoFailure(context))
				.hasMessageContaining("hiddenTasks")
				.hasMessageContaining("HiddenTasks.hidden")
				.hasMessageContaining("not found in any interface");
		});
	}

	@Test
	void configurationClassesNameTasksAfterTheirOwnClass() {
		this.runner.withUserConfiguration(TasksInAConfiguration.class).run((context) -> {
			assertThat(context.getBean(TaskRegistry.class).taskNames()).containsExactly("TasksInAConfiguration.tidy");
		});
	}

	@Test
	void prototypeBeanWithTasksFailsStartup() {
		this.runner.withBean("perUse", EmailTasks.class, EmailTasks::new, (definition) -> definition.setScope("prototype"))
			.withBean("user", PrototypeUser.class)
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(taskitoFailure(context)).hasMessageContaining("Bean 'perUse'")
					.hasMessageContaining("is not a singleton");
			});
	}

	@Test
	void usesTheApplicationsJsonMapper() {
		this.runner.withBean("emailTasks", EmailTasks.class)
			.withBean(JsonMapper.class,
					() -> JsonMapper.builder().propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build())
			.run((context) -> {
				context.getBean(TaskQueue.class).enqueue("EmailTasks.unnamed", new Address("a@b.c", 3));
				RecordingClaimStore store = context.getBean(RecordingClaimStore.class);
				assertThat(store.enqueued).singleElement()
					.satisfies((job) -> assertThat(job.payload()).contains("\"mail_box\":\"a@b.c\""));
			});
	}

	@Test
	void twoHandlersWithOneNameFailStartup() {
		this.runner.withBean("emailTasks", EmailTasks.class).withBean("duplicateTasks", DuplicateTasks.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(taskitoFailure(context))
				.hasMessageContaining("Two handlers are named 'send-email'")
				.hasMessageContaining("bean 'emailTasks' method EmailTasks.send")
				.hasMessageContaining("bean 'duplicateTasks' method DuplicateTasks.again");
		});
	}

	@Test
	void negativeMaxConcurrentInTheAnnotationFailsStartup() {
		this.runner.withBean("negativeCapTasks", NegativeCapTasks.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(taskitoFailure(context))
				.hasMessageContaining("bean 'negativeCapTasks' method NegativeCapTasks.run")
				.hasMessageContaining("maxConcurrent = -1");
		});
	}

	@Test
	void negativeMaxConcurrentInPropertiesFailsStartup() {
		this.runner.withBean("emailTasks", EmailTasks.class)
			.withPropertyValues("taskito.tasks.send-email.max-concurrent=-2")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(taskitoFailure(context))
					.hasMessageContaining("bean 'emailTasks' method EmailTasks.send")
					.hasMessageContaining("taskito.tasks.send-email.max-concurrent is -2");
			});
	}

	@Test
	void unreadableTimeoutFailsStartup() {
		this.runner.withBean("badTimeoutTasks", BadTimeoutTasks.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(taskitoFailure(context))
				.hasMessageContaining("bean 'badTimeoutTasks' method BadTimeoutTasks.run")
				.hasMessageContaining("Cannot read duration 'soon'");
		});
	}

	@Test
	void annotationTimeoutsReadLikeApplicationYml() {
		this.runner.withBean("timedTasks", TimedTasks.class)
			.withPropertyValues("taskito.tasks.configured.timeout=30")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				TaskRegistry registry = context.getBean(TaskRegistry.class);
				assertThat(registry.require("plain").timeout()).as("a plain number is milliseconds, as in yml")
					.isEqualTo(Duration.ofMillis(30));
				assertThat(registry.require("configured").timeout()).isEqualTo(registry.require("plain").timeout());
				assertThat(registry.require("seconds").timeout()).isEqualTo(Duration.ofSeconds(30));
				assertThat(registry.require("iso").timeout()).isEqualTo(Duration.ofMinutes(2));
				assertThat(registry.require("micros").timeout()).isEqualTo(Duration.ofNanos(1500_000));
			});
	}

	@Test
	void annotationTimeoutThatBootCannotReadFailsStartup() {
		this.runner.withBean("spacedTimeoutTasks", SpacedTimeoutTasks.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(taskitoFailure(context)).hasMessageContaining("bean 'spacedTimeoutTasks'")
				.hasMessageContaining("SpacedTimeoutTasks.run")
				.hasMessageContaining("timeout '30 s' is not a duration: write it as in application.yml");
		});
	}

	@Test
	void unreadableRateLimitFailsStartup() {
		this.runner.withBean("badRateLimitTasks", BadRateLimitTasks.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(taskitoFailure(context))
				.hasMessageContaining("bean 'badRateLimitTasks' method BadRateLimitTasks.run")
				.hasMessageContaining("Cannot read rate limit 'lots'");
		});
	}

	@Test
	void unreadableRateLimitInPropertiesFailsStartup() {
		this.runner.withBean("emailTasks", EmailTasks.class)
			.withPropertyValues("taskito.tasks.send-email.rate-limit=fast")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(taskitoFailure(context))
					.hasMessageContaining("bean 'emailTasks' method EmailTasks.send")
					.hasMessageContaining("taskito.tasks.send-email.rate-limit: Cannot read rate limit 'fast'");
			});
	}

	@Test
	void unreadableQueueRateLimitFailsStartup() {
		this.runner.withBean("emailTasks", EmailTasks.class)
			.withPropertyValues("taskito.queues.emails.rate-limit=1/y")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(taskitoFailure(context))
					.hasMessageContaining("taskito.queues.emails.rate-limit: Cannot read rate limit '1/y'");
			});
	}

	@Test
	void taskPropertyMatchingNoTaskFailsStartupListingTheKnownOnes() {
		this.runner.withBean("emailTasks", EmailTasks.class)
			.withPropertyValues("taskito.tasks.send-emails.max-concurrent=2")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(taskitoFailure(context))
					.hasMessageContaining("taskito.tasks.send-emails configures a task that does not exist")
					.hasMessageContaining("Known tasks: [EmailTasks.unnamed, send-email]");
			});
	}

	@Test
	void queuePropertyMatchingNoQueueFailsStartupListingTheKnownOnes() {
		this.runner.withBean("emailTasks", EmailTasks.class)
			.withPropertyValues("taskito.queues.mails.max-concurrent=2")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(taskitoFailure(context))
					.hasMessageContaining("taskito.queues.mails configures a queue that no task uses")
					.hasMessageContaining("Known queues: [default, emails]");
			});
	}

	/**
	 * The Taskito exception behind a failed startup, which is what the user reads first.
	 */
	static Throwable taskitoFailure(org.springframework.boot.test.context.assertj.AssertableApplicationContext context) {
		Throwable failure = context.getStartupFailure();
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause instanceof dev.taskito.TaskitoException) {
				return cause;
			}
		}
		return failure;
	}

	record Address(String mailBox, int floor) {
	}

	static class EmailTasks {

		@Task(name = "send-email", queue = "emails", maxConcurrent = 5, rateLimit = "10/s")
		void send(String to, String subject) {
		}

		@Task
		void unnamed(Address address) {
		}

	}

	static class TenantTasks {

		@Task(name = "tenant-report", maxConcurrent = 10, maxConcurrentPerKey = 2)
		void report(String tenant) {
		}

	}

	@Configuration
	static class TasksInAConfiguration {

		@Task
		void tidy() {
		}

	}

	static class PrototypeUser {

		PrototypeUser(EmailTasks tasks) {
		}

	}

	static class DuplicateTasks {

		@Task(name = "send-email")
		void again(String to) {
		}

	}

	static class NegativeCapTasks {

		@Task(maxConcurrent = -1)
		void run() {
		}

	}

	static class BadTimeoutTasks {

		@Task(timeout = "soon")
		void run() {
		}

	}

	static class TimedTasks {

		@Task(name = "plain", timeout = "30")
		void plain() {
		}

		@Task(name = "configured", timeout = "1h")
		void configured() {
		}

		@Task(name = "seconds", timeout = "30s")
		void seconds() {
		}

		@Task(name = "iso", timeout = "PT2M")
		void iso() {
		}

		@Task(name = "micros", timeout = "1500us")
		void micros() {
		}

	}

	static class SpacedTimeoutTasks {

		@Task(timeout = "30 s")
		void run() {
		}

	}

	static class BadRateLimitTasks {

		@Task(rateLimit = "lots")
		void run() {
		}

	}

	public static class ClassProxiedTasks {

		@Task(name = "class-proxied")
		public int addOne(int value) {
			return value + 1;
		}

	}

	public interface Incrementer {

		int increment(int value);

	}

	public static class JdkProxiedTasks implements Incrementer {

		@Override
		@Task(name = "jdk-proxied")
		public int increment(int value) {
			return value + 1;
		}

	}

	public static class HiddenTasks implements Incrementer {

		@Override
		public int increment(int value) {
			return value;
		}

		@Task
		public void hidden() {
		}

	}

	static Object proxy(Object target, boolean classBased, AtomicInteger calls) {
		ProxyFactory factory = new ProxyFactory(target);
		factory.setProxyTargetClass(classBased);
		if (!classBased) {
			factory.setInterfaces(Incrementer.class);
		}
		factory.addAdvice((MethodInterceptor) (invocation) -> {
			calls.incrementAndGet();
			return invocation.proceed();
		});
		return factory.getProxy();
	}

	@Configuration(proxyBeanMethods = false)
	static class ProxiedTasksConfiguration {

		@Bean
		AtomicInteger adviceCalls() {
			return new AtomicInteger();
		}

		@Bean
		Object classProxiedTasks(AtomicInteger adviceCalls) {
			return proxy(new ClassProxiedTasks(), true, adviceCalls);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class JdkProxiedTasksConfiguration {

		@Bean
		AtomicInteger adviceCalls() {
			return new AtomicInteger();
		}

		@Bean
		Object jdkProxiedTasks(AtomicInteger adviceCalls) {
			return proxy(new JdkProxiedTasks(), false, adviceCalls);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class JdkProxyHidingTaskConfiguration {

		@Bean
		Object hiddenTasks() {
			return proxy(new HiddenTasks(), false, new AtomicInteger());
		}

	}


}
