package dev.taskito.spring.boot.autoconfigure.dashboard;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The dashboard's settings ({@code taskito.dashboard.*}). Kept apart from
 * {@code TaskitoProperties}: the dashboard is an optional web layer over the operations
 * API, and none of these settings changes how jobs run.
 */
@ConfigurationProperties("taskito.dashboard")
public class TaskitoDashboardProperties {

	/** Whether the application serves the dashboard (it needs Spring MVC). */
	private boolean enabled;

	/** The path the dashboard is served under; its API lives under {@code <path>/api}. */
	private String path = "/taskito";

	/**
	 * Whether the dashboard only shows: no retry, cancel, pause or resume. Writes are
	 * possible only with {@code false} and Spring Security on the class path.
	 */
	private boolean readOnly = true;

	/**
	 * The role (without the {@code ROLE_} prefix) a user needs to read the dashboard and, when
	 * it is not read-only, to act in it. Used only when Spring Security is on the class path.
	 */
	private String role = "TASKITO_ADMIN";

	/**
	 * How often the open pages refresh, and how long one reading of the overview is shared
	 * by every page that asks for it within that time.
	 */
	private Duration refreshInterval = Duration.ofSeconds(2);

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public String getPath() {
		return this.path;
	}

	public void setPath(String path) {
		this.path = path;
	}

	public boolean isReadOnly() {
		return this.readOnly;
	}

	public void setReadOnly(boolean readOnly) {
		this.readOnly = readOnly;
	}

	public String getRole() {
		return this.role;
	}

	public void setRole(String role) {
		this.role = role;
	}

	public Duration getRefreshInterval() {
		return this.refreshInterval;
	}

	public void setRefreshInterval(Duration refreshInterval) {
		this.refreshInterval = refreshInterval;
	}

	/**
	 * @return the path without a trailing slash, starting with one
	 */
	String normalizedPath() {
		String normalized = this.path.trim();
		if (!normalized.startsWith("/")) {
			normalized = "/" + normalized;
		}
		while (normalized.length() > 1 && normalized.endsWith("/")) {
			normalized = normalized.substring(0, normalized.length() - 1);
		}
		if (normalized.equals("/")) {
			throw new IllegalStateException("taskito.dashboard.path must not be '/': the dashboard needs a path of "
					+ "its own, such as /taskito, so that its security never covers the application's other pages");
		}
		return normalized;
	}

}
