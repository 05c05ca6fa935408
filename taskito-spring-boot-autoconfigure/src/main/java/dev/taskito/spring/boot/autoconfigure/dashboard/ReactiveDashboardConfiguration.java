package dev.taskito.spring.boot.autoconfigure.dashboard;

import java.time.Clock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.ClassPathResource;
import org.springframework.security.config.web.server.SecurityWebFiltersOrder;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.csrf.CookieServerCsrfTokenRepository;
import org.springframework.security.web.server.csrf.ServerCsrfTokenRequestAttributeHandler;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatchers;
import org.springframework.util.ClassUtils;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import dev.taskito.TaskQueue;
import dev.taskito.dispatch.TaskDispatcher;
import dev.taskito.store.ClaimStore;

import static org.springframework.security.config.Customizer.withDefaults;

/**
 * The dashboard in a WebFlux application: the same page and JSON API as on Spring MVC, as
 * WebFlux functional routes, with the same headers on every response under its path.
 *
 * <p>Security is where WebFlux differs. Spring Security's WebFlux configuration builds its
 * default chain (every exchange authenticated, HTTP Basic and form login) only while the
 * application defines no {@link SecurityWebFilterChain} of its own, so the dashboard's chain
 * alone would switch that default off and leave the application's other paths open. So when
 * the application defines no chain, a fallback chain equal to that default is registered too,
 * ordered last; an application with chains of its own keeps exactly its own rules for every
 * other path. The dashboard's chain matches only the dashboard's path and is ordered first.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = Type.REACTIVE)
@ConditionalOnClass(name = "org.springframework.web.reactive.function.server.RouterFunction")
@ConditionalOnBean({ TaskQueue.class, ClaimStore.class })
class ReactiveDashboardConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(ReactiveDashboardConfiguration.class);

	static final String SECURITY_CHAIN_CLASS = "org.springframework.security.web.server.SecurityWebFilterChain";

	static final String HTTP_SECURITY_CLASS = "org.springframework.security.config.web.server.ServerHttpSecurity";

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
	ReactiveDashboardHandlers taskitoReactiveDashboardHandlers(DashboardApi api) {
		return new ReactiveDashboardHandlers(api);
	}

	@Bean
	RouterFunction<ServerResponse> taskitoDashboardRoutes(ReactiveDashboardHandlers handlers,
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
			.resources(path + "/assets/**", new ClassPathResource(DashboardHandlers.ASSETS + "assets/"))
			.build();
	}

	@Bean
	DashboardHeadersWebFilter taskitoDashboardHeadersWebFilter(TaskitoDashboardProperties properties) {
		return new DashboardHeadersWebFilter(properties.normalizedPath());
	}

	/**
	 * The dashboard's own chain: its path only, the role for every exchange, HTTP Basic, and
	 * CSRF tokens in a cookie the page's script sends back in a header.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = { SECURITY_CHAIN_CLASS, HTTP_SECURITY_CLASS })
	static class DashboardSecurityConfiguration {

		/**
		 * Spring Security's own default chain, for every path but the dashboard's, registered
		 * only when the application defines no chain of its own, so that adding the dashboard's
		 * chain does not switch off the default that guards them. The condition sees the
		 * application's beans (registered before any auto-configuration's) and not the
		 * dashboard's chain: a member class is processed before the bean methods of the class
		 * around it.
		 */
		@Configuration(proxyBeanMethods = false)
		@ConditionalOnClass(name = { SECURITY_CHAIN_CLASS, HTTP_SECURITY_CLASS })
		@ConditionalOnMissingBean(SecurityWebFilterChain.class)
		static class ApplicationPathsSecurityConfiguration {

			private static final String CLIENT_REGISTRATIONS = "org.springframework.security.oauth2.client.registration."
					+ "ReactiveClientRegistrationRepository";

			@Bean
			@Order(Ordered.LOWEST_PRECEDENCE)
			SecurityWebFilterChain taskitoDefaultSecurityWebFilterChain(ServerHttpSecurity http,
					ApplicationContext context) {
				// As WebFluxSecurityConfiguration builds it when the application has no chain:
				// OAuth2 login when the application registers OAuth2 clients, else HTTP Basic
				// and form login.
				http.authorizeExchange((exchanges) -> exchanges.anyExchange().authenticated());
				if (oauth2Clients(context)) {
					http.oauth2Login(withDefaults()).oauth2Client(withDefaults());
				}
				else {
					http.httpBasic(withDefaults()).formLogin(withDefaults());
				}
				return http.build();
			}

			private static boolean oauth2Clients(ApplicationContext context) {
				return ClassUtils.isPresent(CLIENT_REGISTRATIONS, context.getClassLoader()) && context
					.getBeanNamesForType(ClassUtils.resolveClassName(CLIENT_REGISTRATIONS, context.getClassLoader()))
					.length == 1;
			}

		}

		@Bean
		@Order(Ordered.HIGHEST_PRECEDENCE)
		@ConditionalOnMissingBean(name = "taskitoDashboardSecurityWebFilterChain")
		SecurityWebFilterChain taskitoDashboardSecurityWebFilterChain(ServerHttpSecurity http,
				TaskitoDashboardProperties properties) {
			String path = properties.normalizedPath();
			CookieServerCsrfTokenRepository tokens = CookieServerCsrfTokenRepository.withHttpOnlyFalse();
			tokens.setCookieName(TaskitoDashboardAutoConfiguration.CSRF_COOKIE);
			tokens.setHeaderName(TaskitoDashboardAutoConfiguration.CSRF_HEADER);
			tokens.setCookiePath(path);
			// The plain handler: the page sends the cookie's value as it is, and the API never
			// puts the token into a response body, which is what the masking protects.
			ServerCsrfTokenRequestAttributeHandler handler = new ServerCsrfTokenRequestAttributeHandler();
			return http.securityMatcher(ServerWebExchangeMatchers.pathMatchers(path, path + "/**"))
				.authorizeExchange((exchanges) -> exchanges.anyExchange().hasRole(properties.getRole()))
				.httpBasic(withDefaults())
				.csrf((csrf) -> csrf.csrfTokenRepository(tokens).csrfTokenRequestHandler(handler))
				.addFilterAfter(new DashboardCsrfCookieWebFilter(), SecurityWebFiltersOrder.CSRF)
				.build();
		}

	}

}
