package dev.taskito.dispatch;

import java.net.InetAddress;
import java.util.UUID;

/**
 * Makes instance ids that are unique per process start and still say where they run:
 * {@code host-pid-random}.
 */
final class InstanceIds {

	private InstanceIds() {
	}

	static String next() {
		String host;
		try {
			host = InetAddress.getLocalHost().getHostName();
		}
		catch (Exception ex) {
			host = "unknown-host";
		}
		long pid = ProcessHandle.current().pid();
		String random = UUID.randomUUID().toString().substring(0, 8);
		return (host.length() > 40 ? host.substring(0, 40) : host) + "-" + pid + "-" + random;
	}

}
