package dev.taskito.spring.boot.autoconfigure.dashboard;

import org.jspecify.annotations.Nullable;

/**
 * Whether the dashboard may change anything, decided once at start from
 * {@code taskito.dashboard.read-only} and whether Spring Security guards it.
 *
 * @param writable whether actions are offered and accepted
 * @param readOnlyReason why they are not, for the page's banner, or {@code null}
 */
public record DashboardAccess(boolean writable, @Nullable String readOnlyReason) {

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
