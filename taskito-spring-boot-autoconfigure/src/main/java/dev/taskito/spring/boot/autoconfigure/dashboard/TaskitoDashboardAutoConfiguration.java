package dev.taskito.spring.boot.autoconfigure.dashboard;

import java.time.Clock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.ClassPathResource;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;
import org.springframework.security.web.csrf.CookieCsrfTokenRepository;
import org.springframework.security.web.csrf.CsrfTokenRequestAttributeHandler;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerResponse;

import dev.taskito.TaskQueue;
import dev.taskito.dispatch.TaskDispatcher;
import dev.taskito.spring.boot.autoconfigure.TaskitoAutoConfiguration;
import dev.taskito.store.ClaimStore;

import static org.springframework.security.config.Customizer.withDefaults;

/**
 * The dashboard ({@code taskito.dashboard.enabled=true}): a page and a JSON API under
 * {@code taskito.dashboard.path}, served by Spring MVC's (or WebFlux's) functional endpoints,
 * so that no controller of the application's packages needs scanning. It reads and acts through the
 * operations API only.
 *
 * <p>With Spring Security on the class path, a filter chain of its own guards the path (and
 * only that path) with the role {@code taskito.dashboard.role}, for reads and writes alike,
 * with HTTP Basic and CSRF tokens in a cookie the page's script sends back in a header. It is
 * ordered before the application's own chains so that an application chain matching every
 * request does not take the dashboard's requests, and it is configured after Boot's own
 * security auto-configuration, so that an application without a chain of its own keeps
 * Boot's default one for every other path. An application replaces it with a bean named
 * {@code taskitoDashboardSecurityFilterChain}. Without Spring Security the dashboard is
 * read-only, whatever {@code taskito.dashboard.read-only} says, and says why.
 *
 * <p>A WebFlux application gets the same page, API and security, from
 * {@link ReactiveDashboardConfiguration}, which also keeps Spring Security's default chain for
 * the application's other paths when the application defines none.
 */
@AutoConfiguration(after = TaskitoAutoConfiguration.class,
		afterName = { "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
				"org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration",
				"org.springframework.boot.security.autoconfigure.actuate.web.servlet.ManagementWebSecurityAutoConfiguration",
				"org.springframework.boot.security.autoconfigure.web.reactive.ReactiveWebSecurityAutoConfiguration",
				"org.springframework.boot.security.autoconfigure.actuate.web.reactive.ReactiveManagementWebSecurityAutoConfiguration" })
@ConditionalOnProperty(prefix = "taskito.dashboard", name = "enabled", havingValue = "true")
@EnableConfigurationProperties(TaskitoDashboardProperties.class)
@Import(ReactiveDashboardConfiguration.class)
public final class TaskitoDashboardAutoConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(TaskitoDashboardAutoConfiguration.class);

	static final String SECURITY_CHAIN_CLASS = "org.springframework.security.web.SecurityFilterChain";

	static final String HTTP_SECURITY_CLASS = "org.springframework.security.config.annotation.web.builders.HttpSecurity";

	static final String CSRF_COOKIE = "TASKITO-XSRF-TOKEN";

	static final String CSRF_HEADER = "X-TASKITO-XSRF-TOKEN";

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = Type.SERVLET)
	@ConditionalOnClass(name = "org.springframework.web.servlet.function.RouterFunction")
	@ConditionalOnBean({ TaskQueue.class, ClaimStore.class })
	static class MvcDashboardConfiguration {

		@Bean
		@ConditionalOnMissingBean
		DashboardSnapshots taskitoDashboardSnapshots(TaskQueue taskQueue, ClaimStore store,
				ObjectProvider<TaskDispatcher> dispatcher, TaskitoDashboardProperties properties) {
			return new DashboardSnapshots(taskQueue, store, dispatcher.getIfUnique(), properties.getRefreshInterval(),
					Clock.systemUTC());
		}

		@Bean
		@ConditionalOnMissingBean
		DashboardAccess taskitoDashboardAccess(TaskitoDashboardProperties properties) {
			return DashboardAccess.decide(properties, SECURITY_CHAIN_CLASS, HTTP_SECURITY_CLASS, logger);
		}

		@Bean
		DashboardApi taskitoDashboardApi(TaskQueue taskQueue, DashboardSnapshots snapshots, DashboardAccess access,
				TaskitoDashboardProperties properties) {
			return new DashboardApi(taskQueue, snapshots, access, properties.getRefreshInterval());
		}

		@Bean
		DashboardHandlers taskitoDashboardHandlers(DashboardApi api) {
			return new DashboardHandlers(api);
		}

		@Bean
		RouterFunction<ServerResponse> taskitoDashboardRoutes(DashboardHandlers handlers,
				TaskitoDashboardProperties properties) {
			String path = properties.normalizedPath();
			String api = path + "/api";
			return RouterFunctions.route()
				.GET(path, handlers::redirectToPage)
				.GET(path + "/", handlers::page)
				.GET(api + "/session", handlers::session)
				.GET(api + "/overview", handlers::overview)
				.GET(api + "/jobs", handlers::jobs)
				.GET(api + "/jobs/{id}", handlers::job)
				.POST(api + "/jobs/retry-all", handlers::retryAll)
				.POST(api + "/jobs/{id}/retry", handlers::retry)
				.POST(api + "/jobs/{id}/cancel", handlers::cancel)
				.POST(api + "/queues/{queue}/pause", handlers::pauseQueue)
				.POST(api + "/queues/{queue}/resume", handlers::resumeQueue)
				.POST(api + "/schedules/{task}/pause", handlers::pauseSchedule)
				.POST(api + "/schedules/{task}/resume", handlers::resumeSchedule)
				.resources(path + "/assets/**", new ClassPathResource(DashboardHandlers.ASSETS + "assets/"))
				.onError((ex) -> ex instanceof IllegalArgumentException || ex instanceof IllegalStateException,
						handlers::failed)
				.build();
		}

		@Bean
		FilterRegistrationBean<DashboardHeadersFilter> taskitoDashboardHeadersFilter(
				TaskitoDashboardProperties properties) {
			FilterRegistrationBean<DashboardHeadersFilter> registration = new FilterRegistrationBean<>(
					new DashboardHeadersFilter());
			String path = properties.normalizedPath();
			registration.addUrlPatterns(path, path + "/*");
			// Before Spring Security's filter, so that its 401 and 403 carry the headers too.
			registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
			return registration;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = Type.SERVLET)
	@ConditionalOnClass(name = { SECURITY_CHAIN_CLASS, HTTP_SECURITY_CLASS,
			"org.springframework.web.servlet.function.RouterFunction" })
	@ConditionalOnBean({ TaskQueue.class, ClaimStore.class })
	static class DashboardSecurityConfiguration {

		@Bean
		@Order(Ordered.HIGHEST_PRECEDENCE + 100)
		@ConditionalOnMissingBean(name = "taskitoDashboardSecurityFilterChain")
		SecurityFilterChain taskitoDashboardSecurityFilterChain(HttpSecurity http,
				TaskitoDashboardProperties properties) throws Exception {
			String path = properties.normalizedPath();
			CookieCsrfTokenRepository tokens = CookieCsrfTokenRepository.withHttpOnlyFalse();
			tokens.setCookieName(CSRF_COOKIE);
			tokens.setHeaderName(CSRF_HEADER);
			tokens.setCookiePath(path);
			// The plain handler: the page sends the cookie's value as it is, and the API never
			// puts the token into a response body, which is what the masking protects.
			CsrfTokenRequestAttributeHandler handler = new CsrfTokenRequestAttributeHandler();
			http.securityMatcher(path, path + "/**")
				.authorizeHttpRequests((requests) -> requests.anyRequest().hasRole(properties.getRole()))
				.httpBasic(withDefaults())
				.csrf((csrf) -> csrf.csrfTokenRepository(tokens).csrfTokenRequestHandler(handler))
				.addFilterAfter(new DashboardCsrfCookieFilter(), BasicAuthenticationFilter.class);
			return http.build();
		}

	}

}
