package dev.taskito.spring.boot.autoconfigure;

import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.LazyInitializationExcludeFilter;

/**
 * Keeps beans that declare {@link dev.taskito.Task @Task} methods eager under
 * {@code spring.main.lazy-initialization=true}, as Spring Boot does for {@code @Scheduled}
 * beans: a lazy bean that nothing injects is never created, so its tasks would never
 * register, and enqueueing them would fail with "unknown task".
 */
final class TaskBeanLazyInitializationExcludeFilter implements LazyInitializationExcludeFilter {

	@Override
	public boolean isExcluded(String beanName, BeanDefinition beanDefinition, Class<?> beanType) {
		return beanType != null && TaskAnnotationBeanPostProcessor.hasTaskMethod(beanType);
	}

}
