package dev.taskito.samples.dashboard;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;

/**
 * Two users: {@code admin} has the dashboard's role ({@code TASKITO_ADMIN}), {@code viewer}
 * does not and is refused. The application defines no filter chain of its own: Spring Boot's
 * default one guards its other paths, and the dashboard brings its own for {@code /taskito}.
 * A real application would take its users from its identity provider.
 */
@Configuration(proxyBeanMethods = false)
public class SampleSecurity {

	@Bean
	UserDetailsService users(@Value("${sample.admin-password:admin}") String adminPassword,
			@Value("${sample.viewer-password:viewer}") String viewerPassword) {
		PasswordEncoder encoder = PasswordEncoderFactories.createDelegatingPasswordEncoder();
		return new InMemoryUserDetailsManager(
				User.withUsername("admin").password(encoder.encode(adminPassword)).roles("TASKITO_ADMIN").build(),
				User.withUsername("viewer").password(encoder.encode(viewerPassword)).roles("USER").build());
	}

}
