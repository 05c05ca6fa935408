package dev.taskito.dispatch;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;

import dev.taskito.JobContext;

/**
 * Runs a task by calling a method on a bean, passing the {@link JobContext} where the
 * method declares one.
 */
public final class MethodTaskHandler implements TaskHandler {

	private final Object bean;

	private final Method method;

	private final List<Parameter> parameters;

	private final int contextIndex;

	/**
	 * @param bean the object to call the method on (a proxy is fine)
	 * @param method the method, accessible from here
	 */
	public MethodTaskHandler(Object bean, Method method) {
		this.bean = bean;
		this.method = method;
		List<Parameter> parameters = new ArrayList<>();
		int contextIndex = -1;
		java.lang.reflect.Parameter[] declared = method.getParameters();
		for (int i = 0; i < declared.length; i++) {
			if (JobContext.class.equals(declared[i].getType())) {
				if (contextIndex >= 0) {
					throw new IllegalArgumentException("declares more than one JobContext parameter");
				}
				contextIndex = i;
			}
			else {
				parameters.add(new Parameter(declared[i].getName(), declared[i].getParameterizedType()));
			}
		}
		this.parameters = List.copyOf(parameters);
		this.contextIndex = contextIndex;
		if (!method.canAccess(bean)) {
			method.setAccessible(true);
		}
	}

	@Override
	public List<Parameter> parameters() {
		return this.parameters;
	}

	@Override
	public Object handle(Object[] args, JobContext context) throws Exception {
		Object[] callArgs = args;
		if (this.contextIndex >= 0) {
			callArgs = new Object[args.length + 1];
			for (int i = 0, j = 0; i < callArgs.length; i++) {
				callArgs[i] = (i == this.contextIndex) ? context : args[j++];
			}
		}
		try {
			return this.method.invoke(this.bean, callArgs);
		}
		catch (InvocationTargetException ex) {
			Throwable cause = ex.getCause();
			if (cause instanceof Exception exception) {
				throw exception;
			}
			if (cause instanceof Error error) {
				throw error;
			}
			throw ex;
		}
	}

	/**
	 * @return the method this handler calls
	 */
	public Method getMethod() {
		return this.method;
	}

	@Override
	public String toString() {
		return this.method.getDeclaringClass().getSimpleName() + "." + this.method.getName();
	}

}
