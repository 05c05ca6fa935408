package dev.taskito.spring.boot.autoconfigure;

import java.lang.reflect.Method;
import java.util.concurrent.ThreadFactory;

/**
 * Makes virtual-thread factories on Java 21 and later, by reflection, since Taskito is
 * compiled for Java 17.
 */
final class VirtualThreads {

	private VirtualThreads() {
	}

	/**
	 * @param namePrefix the threads' name prefix, followed by a counter
	 * @return a factory of virtual threads, or {@code null} when this Java has none
	 */
	static ThreadFactory factory(String namePrefix) {
		try {
			Method ofVirtual = Thread.class.getMethod("ofVirtual");
			Object builder = ofVirtual.invoke(null);
			Class<?> builderType = Class.forName("java.lang.Thread$Builder");
			builder = builderType.getMethod("name", String.class, long.class).invoke(builder, namePrefix, 0L);
			return (ThreadFactory) builderType.getMethod("factory").invoke(builder);
		}
		catch (NoSuchMethodException | ClassNotFoundException ex) {
			return null;
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException("Cannot create virtual threads: " + ex.getMessage(), ex);
		}
	}

}
