package dev.taskito.spring.boot.autoconfigure.dashboard;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.webflux.autoconfigure.HttpHandlerAutoConfiguration;
import org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.userdetails.MapReactiveUserDetailsService;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatchers;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import dev.taskito.Task;
import dev.taskito.spring.boot.autoconfigure.TaskitoAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the dashboard exists in a WebFlux application, and above all what its security does to
 * the application's other paths: an application without a chain of its own keeps Spring
 * Security's default chain for them; one with chains of its own keeps exactly its rules; the
 * dashboard's chain matches only the dashboard's path.
 */
@ExtendWith(OutputCaptureExtension.class)
class ReactiveDashboardAutoConfigurationTests {

	@TempDir
	Path embedded;

	private ReactiveWebApplicationContextRunner runner() {
		return new ReactiveWebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(TaskitoAutoConfiguration.class,
					TaskitoDashboardAutoConfiguration.class, WebFluxAutoConfiguration.class,
					HttpHandlerAutoConfiguration.class))
			.withUserConfiguration(WebFluxSecurity.class, Hello.class)
			.withPropertyValues("taskito.jdbc.embedded-path=" + this.embedded)
			.withBean("tasks", Tasks.class);
	}

	@Test
	void offUnlessEnabled() {
		runner().run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(ReactiveDashboardHandlers.class);
			assertThat(context).doesNotHaveBean(DashboardHeadersWebFilter.class);
			assertThat(context).doesNotHaveBean("taskitoDashboardSecurityWebFilterChain");
			assertThat(context).doesNotHaveBean("taskitoDefaultSecurityWebFilterChain");
		});
	}

	@Test
	void withoutAChainOfItsOwnTheApplicationKeepsSpringSecuritysDefaultForItsOtherPaths() {
		runner().withPropertyValues("taskito.dashboard.enabled=true").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(ReactiveDashboardHandlers.class);
			assertThat(context).doesNotHaveBean(DashboardHandlers.class);
			assertThat(context).hasSingleBean(DashboardHeadersWebFilter.class);
			assertThat(context.getBean(DashboardAccess.class).writable()).isFalse();
			SecurityWebFilterChain dashboard = context.getBean("taskitoDashboardSecurityWebFilterChain",
					SecurityWebFilterChain.class);
			assertThat(matches(dashboard, "/taskito")).isTrue();
			assertThat(matches(dashboard, "/taskito/api/overview")).isTrue();
			assertThat(matches(dashboard, "/taskitox")).as("never outside the path").isFalse();
			assertThat(matches(dashboard, "/hello")).as("never outside the path").isFalse();
			assertThat(matches(dashboard, "/")).isFalse();
			SecurityWebFilterChain fallback = context.getBean("taskitoDefaultSecurityWebFilterChain",
					SecurityWebFilterChain.class);
			assertThat(matches(fallback, "/hello")).isTrue();
			WebTestClient client = client(context);
			client.get().uri("/hello").exchange().expectStatus().isUnauthorized();
			client.get().uri("/hello").headers((headers) -> headers.setBasicAuth("admin", "secret")).exchange()
				.expectStatus().isOk().expectBody(String.class).isEqualTo("hello");
			client.get().uri("/taskito/api/overview").exchange().expectStatus().isUnauthorized()
				.expectHeader().valueEquals("Content-Security-Policy", DashboardHeadersFilter.CONTENT_SECURITY_POLICY);
			client.get().uri("/taskito/api/overview").headers((headers) -> headers.setBasicAuth("admin", "secret"))
				.exchange().expectStatus().isOk();
		});
	}

	@Test
	void withAChainOfItsOwnTheApplicationKeepsExactlyItsRules() {
		runner().withUserConfiguration(ApplicationChain.class)
			.withPropertyValues("taskito.dashboard.enabled=true")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean("taskitoDefaultSecurityWebFilterChain");
				assertThat(context.getBeansOfType(SecurityWebFilterChain.class)).containsOnlyKeys("applicationChain",
						"taskitoDashboardSecurityWebFilterChain");
				WebTestClient client = client(context);
				client.get().uri("/hello").exchange().expectStatus().isOk().expectBody(String.class).isEqualTo("hello");
				client.get().uri("/private").exchange().expectStatus().isUnauthorized();
				client.get().uri("/taskito/api/overview").exchange().expectStatus().isUnauthorized();
				client.get().uri("/taskito/api/overview").headers((headers) -> headers.setBasicAuth("admin", "secret"))
					.exchange().expectStatus().isOk();
			});
	}

	@Test
	void writableOnlyWhenNotReadOnlyAndSecured() {
		runner().withPropertyValues("taskito.dashboard.enabled=true", "taskito.dashboard.read-only=false",
				"taskito.dashboard.path=/ops/queue/")
			.run((context) -> {
				assertThat(context.getBean(DashboardAccess.class).writable()).isTrue();
				SecurityWebFilterChain chain = context.getBean("taskitoDashboardSecurityWebFilterChain",
						SecurityWebFilterChain.class);
				assertThat(matches(chain, "/ops/queue/api/jobs")).isTrue();
				assertThat(matches(chain, "/taskito/api/jobs")).isFalse();
			});
	}

	@Test
	void backsOffForTheApplicationsOwnDashboardChain() {
		runner().withPropertyValues("taskito.dashboard.enabled=true")
			.withUserConfiguration(ReplacedDashboardChain.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBeansOfType(SecurityWebFilterChain.class))
					.containsOnlyKeys("taskitoDashboardSecurityWebFilterChain");
				assertThat(matches(context.getBean(SecurityWebFilterChain.class), "/hello")).isTrue();
			});
	}

	@Test
	void withoutSpringSecurityItIsReadOnlyWhateverThePropertyAndSaysWhy(CapturedOutput output) {
		new ReactiveWebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(TaskitoAutoConfiguration.class,
					TaskitoDashboardAutoConfiguration.class))
			.withClassLoader(new FilteredClassLoader("org.springframework.security"))
			.withPropertyValues("taskito.jdbc.embedded-path=" + this.embedded, "taskito.dashboard.enabled=true",
					"taskito.dashboard.read-only=false")
			.withBean("tasks", Tasks.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).hasSingleBean(ReactiveDashboardHandlers.class);
				assertThat(context).doesNotHaveBean("taskitoDashboardSecurityWebFilterChain");
				assertThat(context).doesNotHaveBean("taskitoDefaultSecurityWebFilterChain");
				DashboardAccess access = context.getBean(DashboardAccess.class);
				assertThat(access.writable()).isFalse();
				assertThat(access.readOnlyReason()).contains("Spring Security is not on the class path");
				assertThat(output).contains("The Taskito dashboard at /taskito is read-only")
					.contains("taskito.dashboard.read-only=false");
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

	private static boolean matches(SecurityWebFilterChain chain, String path) {
		return Boolean.TRUE.equals(chain.matches(MockServerWebExchange.from(MockServerHttpRequest.get(path))).block());
	}

	private static WebTestClient client(ApplicationContext context) {
		return WebTestClient.bindToApplicationContext(context).build();
	}

	@EnableWebFluxSecurity
	static class WebFluxSecurity {

		@Bean
		MapReactiveUserDetailsService users() {
			return new MapReactiveUserDetailsService(
					User.withUsername("admin").password("{noop}secret").roles("TASKITO_ADMIN").build());
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class Hello {

		@Bean
		RouterFunction<ServerResponse> helloRoutes() {
			return RouterFunctions.route()
				.GET("/hello", (request) -> ServerResponse.ok().bodyValue("hello"))
				.GET("/private", (request) -> ServerResponse.ok().bodyValue("private"))
				.build();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ApplicationChain {

		@Bean
		SecurityWebFilterChain applicationChain(ServerHttpSecurity http) {
			return http
				.authorizeExchange((exchanges) -> exchanges.pathMatchers("/hello").permitAll().anyExchange().denyAll())
				.build();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ReplacedDashboardChain {

		@Bean
		SecurityWebFilterChain taskitoDashboardSecurityWebFilterChain(ServerHttpSecurity http) {
			return http.securityMatcher(ServerWebExchangeMatchers.anyExchange())
				.authorizeExchange((exchanges) -> exchanges.anyExchange().authenticated())
				.httpBasic((basic) -> {
				})
				.build();
		}

	}

	static class Tasks {

		@Task(name = "noop")
		void noop() {
		}

	}

}
