package dev.taskito.benchmark.app;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import dev.taskito.Task;
import dev.taskito.benchmark.LatencyProducer;
import dev.taskito.dispatch.TaskDefinition;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The application without Spring registers what the Spring Boot application declares, so
 * that {@code --apps=core} and {@code --compare-apps} measure the Spring layer and nothing else.
 */
class CoreApplicationTest {

	@Test
	void registersTheTasksTheSpringBootApplicationDeclaresWithTheirCaps() {
		assertThat(caps(CoreApplication.tasks(new BenchRecorder(), false))).isEqualTo(declared(BenchTasks.class));
		assertThat(caps(CoreApplication.tasks(new BenchRecorder(), true)))
			.isEqualTo(declared(BenchTasks.class, BenchKeyedTasks.class));
	}

	@Test
	void itsHandlersRecordAsTheAnnotatedMethodsDo() throws Exception {
		BenchRecorder recorder = new BenchRecorder();
		List<TaskDefinition> tasks = CoreApplication.tasks(recorder, true);
		for (TaskDefinition task : tasks) {
			if (!task.name().equals("capped") && !task.name().equals(LatencyProducer.TASK)) {
				task.handler().handle(new Object[0], null);
			}
		}
		tasks.stream()
			.filter((task) -> task.name().equals(LatencyProducer.TASK))
			.findFirst()
			.orElseThrow()
			.handler()
			.handle(new Object[] { 5L }, null);
		assertThat(recorder.run().noop()).isEqualTo(2);
		assertThat(recorder.run().latencies()).hasSize(1);
	}

	private static List<String> caps(List<TaskDefinition> tasks) {
		return tasks.stream()
			.map((task) -> task.name() + " max=" + task.maxConcurrent() + " perKey=" + task.maxConcurrentPerKey())
			.sorted()
			.toList();
	}

	private static List<String> declared(Class<?>... beans) {
		List<String> declared = new ArrayList<>();
		for (Method method : Stream.of(beans).flatMap((bean) -> Stream.of(bean.getDeclaredMethods())).toList()) {
			Task task = method.getAnnotation(Task.class);
			if (task != null) {
				declared.add(task.name() + " max=" + task.maxConcurrent() + " perKey=" + task.maxConcurrentPerKey());
			}
		}
		return declared.stream().sorted().toList();
	}

}
