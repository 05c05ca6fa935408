package dev.taskito.spring.boot.autoconfigure.dashboard;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

import org.springframework.util.ClassUtils;

/**
 * Whether the dashboard may change anything, decided once at start from
 * {@code taskito.dashboard.read-only} and whether Spring Security guards it.
 *
 * @param writable whether actions are offered and accepted
 * @param readOnlyReason why they are not, for the page's banner, or {@code null}
 */
public record DashboardAccess(boolean writable, @Nullable String readOnlyReason) {

	/**
	 * The access of the dashboard that one web stack serves: secured when both of that
	 * stack's Spring Security classes are on the class path; when they are not, a warning
	 * that the dashboard is read-only and open to anyone who reaches it.
	 * @param properties the dashboard's properties
	 * @param securityChainClass the stack's filter chain class
	 * @param httpSecurityClass the stack's class that builds a chain
	 * @param logger the configuration's logger, which the warning is logged under
	 * @return the access
	 */
	static DashboardAccess decide(TaskitoDashboardProperties properties, String securityChainClass,
			String httpSecurityClass, Logger logger) {
		boolean secured = ClassUtils.isPresent(securityChainClass, null)
				&& ClassUtils.isPresent(httpSecurityClass, null);
		if (!secured) {
			logger.warn("The Taskito dashboard at {} is read-only and open to anyone who reaches it: Spring "
					+ "Security is not on the class path. Add spring-boot-starter-security to require role {} "
					+ "(taskito.dashboard.role) and allow actions (taskito.dashboard.read-only=false), or set "
					+ "taskito.dashboard.enabled=false", properties.normalizedPath(), properties.getRole());
		}
		return of(properties.isReadOnly(), secured, properties.getRole());
	}

	static DashboardAccess of(boolean readOnly, boolean secured, String role) {
		if (readOnly) {
			return new DashboardAccess(false, "taskito.dashboard.read-only is true (the default); set it to false to "
					+ "retry, cancel, pause and resume from here, as a user with role " + role);
		}
		if (!secured) {
			return new DashboardAccess(false, "Spring Security is not on the class path, so nothing would stop "
					+ "anyone who reaches this page from changing jobs; add spring-boot-starter-security and grant "
					+ "role " + role + " to act from here");
		}
		return new DashboardAccess(true, null);
	}

}
