package dev.taskito.spring.boot.autoconfigure.metrics;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

import org.springframework.beans.factory.config.BeanPostProcessor;

import dev.taskito.store.ClaimRequest;
import dev.taskito.store.ClaimStore;

/**
 * Wraps the context's real store so that its claims do not name the cluster caps: the
 * store's atomic cap gate then lets this instance over-claim, and the dispatcher's
 * post-claim count must reject. How a test makes a cap rejection happen on purpose (racing
 * instances make one only by chance).
 */
class UngatedClaimStore implements BeanPostProcessor {

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		return (bean instanceof ClaimStore store) ? wrap(store) : bean;
	}

	static ClaimStore wrap(ClaimStore store) {
		return (ClaimStore) Proxy.newProxyInstance(UngatedClaimStore.class.getClassLoader(),
				new Class<?>[] { ClaimStore.class }, (proxy, method, args) -> {
					if (args != null) {
						for (int i = 0; i < args.length; i++) {
							if (args[i] instanceof ClaimRequest request) {
								args[i] = new ClaimRequest(request.instanceId(), request.lease(), request.limit(),
										request.queues(), request.taskLimits(), request.queueLimits());
							}
						}
					}
					try {
						return method.invoke(store, args);
					}
					catch (InvocationTargetException ex) {
						throw ex.getTargetException();
					}
				});
	}

}
