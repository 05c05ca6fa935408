package dev.taskito.spring.boot.autoconfigure.dashboard;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.web.DefaultSecurityFilterChain;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.util.matcher.AnyRequestMatcher;
import org.springframework.mock.web.MockHttpServletRequest;

import dev.taskito.Task;
import dev.taskito.spring.boot.autoconfigure.TaskitoAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the dashboard exists: only when enabled, in a servlet web application with a task
 * queue; its security chain only with Spring Security, matching only the dashboard's path;
 * read-only when asked or when nothing could secure its actions.
 */
class TaskitoDashboardAutoConfigurationTests {

	@TempDir
	Path embedded;

	private WebApplicationContextRunner runner() {
		return new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(TaskitoAutoConfiguration.class,
					TaskitoDashboardAutoConfiguration.class))
			.withUserConfiguration(WebSecurity.class)
			.withPropertyValues("taskito.jdbc.embedded-path=" + this.embedded)
			.withBean("tasks", Tasks.class);
	}

	@Test
	void offUnlessEnabled() {
		runner().run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(DashboardHandlers.class);
			assertThat(context).doesNotHaveBean("taskitoDashboardSecurityFilterChain");
		});
	}

	@Test
	void enabledServesTheDashboardBehindItsOwnChainReadOnlyByDefault() {
		runner().withPropertyValues("taskito.dashboard.enabled=true").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(DashboardHandlers.class);
			assertThat(context).hasBean("taskitoDashboardRoutes");
			assertThat(context.getBean(DashboardAccess.class).writable()).isFalse();
			assertThat(context.getBean(DashboardAccess.class).readOnlyReason()).contains("taskito.dashboard.read-only");
			assertThat(context).doesNotHaveBean(ReactiveDashboardHandlers.class);
			FilterRegistrationBean<?> headers = context.getBean("taskitoDashboardHeadersFilter",
					FilterRegistrationBean.class);
			assertThat(headers.getUrlPatterns()).containsExactly("/taskito", "/taskito/*");
			SecurityFilterChain chain = context.getBean("taskitoDashboardSecurityFilterChain", SecurityFilterChain.class);
			assertThat(chain.matches(request("/taskito"))).isTrue();
			assertThat(chain.matches(request("/taskito/api/overview"))).isTrue();
			assertThat(chain.matches(request("/taskitox"))).as("never outside the path").isFalse();
			assertThat(chain.matches(request("/hello"))).as("never outside the path").isFalse();
			assertThat(chain.matches(request("/"))).isFalse();
			assertThat(((DefaultSecurityFilterChain) chain).getRequestMatcher()).isNotEqualTo(AnyRequestMatcher.INSTANCE);
		});
	}

	@Test
	void writableOnlyWhenNotReadOnlyAndSecured() {
		runner().withPropertyValues("taskito.dashboard.enabled=true", "taskito.dashboard.read-only=false",
				"taskito.dashboard.path=/ops/queue/")
			.run((context) -> {
				assertThat(context.getBean(DashboardAccess.class).writable()).isTrue();
				SecurityFilterChain chain = context.getBean("taskitoDashboardSecurityFilterChain",
						SecurityFilterChain.class);
				assertThat(chain.matches(request("/ops/queue/api/jobs"))).isTrue();
				assertThat(chain.matches(request("/taskito/api/jobs"))).isFalse();
			});
	}

	@Test
	void withoutSpringSecurityItIsReadOnlyWhateverTheProperty() {
		new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(TaskitoAutoConfiguration.class,
					TaskitoDashboardAutoConfiguration.class))
			.withClassLoader(new FilteredClassLoader("org.springframework.security"))
			.withPropertyValues("taskito.jdbc.embedded-path=" + this.embedded, "taskito.dashboard.enabled=true",
					"taskito.dashboard.read-only=false")
			.withBean("tasks", Tasks.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).hasSingleBean(DashboardHandlers.class);
				assertThat(context).doesNotHaveBean("taskitoDashboardSecurityFilterChain");
				DashboardAccess access = context.getBean(DashboardAccess.class);
				assertThat(access.writable()).isFalse();
				assertThat(access.readOnlyReason()).contains("Spring Security is not on the class path");
			});
	}

	@Test
	void backsOffForTheApplicationsOwnDashboardChain() {
		runner().withPropertyValues("taskito.dashboard.enabled=true")
			.withBean("taskitoDashboardSecurityFilterChain", SecurityFilterChain.class,
					() -> new DefaultSecurityFilterChain((request) -> request.getRequestURI().startsWith("/taskito")))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBeansOfType(SecurityFilterChain.class)).hasSize(1);
			});
	}

	@Test
	void aRootPathIsRefused() {
		runner().withPropertyValues("taskito.dashboard.enabled=true", "taskito.dashboard.path=/")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("taskito.dashboard.path must not be '/'"));
	}

	@Test
	void notInANonWebApplication() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(TaskitoAutoConfiguration.class,
					TaskitoDashboardAutoConfiguration.class))
			.withPropertyValues("taskito.jdbc.embedded-path=" + this.embedded, "taskito.dashboard.enabled=true")
			.withBean("tasks", Tasks.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(DashboardHandlers.class);
				assertThat(context).doesNotHaveBean(SecurityFilterChain.class);
			});
	}

	private static MockHttpServletRequest request(String path) {
		MockHttpServletRequest request = new MockHttpServletRequest("GET", path);
		request.setServletPath(path);
		return request;
	}

	@EnableWebSecurity
	static class WebSecurity {


	}

	static class Tasks {

		@Task(name = "noop")
		void noop() {
		}

	}

}
