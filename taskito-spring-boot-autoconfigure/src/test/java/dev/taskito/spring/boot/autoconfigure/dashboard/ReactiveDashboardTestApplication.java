package dev.taskito.spring.boot.autoconfigure.dashboard;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.core.userdetails.MapReactiveUserDetailsService;
import org.springframework.security.core.userdetails.User;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import dev.taskito.Task;

/**
 * A WebFlux application with Spring Security, no security chain of its own and Taskito on the
 * embedded H2 store (the application's own DataSource and Redis left out), with a user who has
 * the dashboard's role and one who has not. It enables WebFlux security itself, as Boot's
 * security auto-configuration would: that module stays off the test class path, where it would
 * secure the other tests' servlet applications.
 */
@SpringBootConfiguration
@EnableAutoConfiguration(excludeName = { "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
		"org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration" })
@EnableWebFluxSecurity
@Import(ReactiveDashboardTestApplication.Tasks.class)
class ReactiveDashboardTestApplication {

	@Bean
	MapReactiveUserDetailsService users() {
		return new MapReactiveUserDetailsService(
				User.withUsername("admin").password("{noop}secret").roles("TASKITO_ADMIN").build(),
				User.withUsername("bob").password("{noop}secret").roles("USER").build());
	}

	@Bean
	RouterFunction<ServerResponse> helloRoutes() {
		return RouterFunctions.route().GET("/hello", (request) -> ServerResponse.ok().bodyValue("hello")).build();
	}

	/**
	 * A task that fails unless its argument was healed.
	 */
	static class Tasks {

		static final Set<Integer> healed = ConcurrentHashMap.newKeySet();

		@Task(name = "flaky", maxRetries = 0)
		String flaky(int n) {
			if (!healed.contains(n)) {
				throw new IllegalStateException("flaky " + n + " failed on purpose");
			}
			return "healed " + n;
		}

	}

}
