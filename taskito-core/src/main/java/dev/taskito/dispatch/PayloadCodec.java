package dev.taskito.dispatch;

import java.lang.reflect.Type;
import java.util.List;
import java.util.Objects;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;

import dev.taskito.InvalidArgumentsException;

/**
 * Turns a task's arguments into the JSON array that is stored, and back into the
 * handler's parameter types; turns results into JSON. Stored data never chooses a Java
 * class: the handler's declared parameter types do.
 */
public final class PayloadCodec {

	private final JsonMapper mapper;

	/**
	 * A codec on a default {@link JsonMapper}.
	 */
	public PayloadCodec() {
		this(JsonMapper.builder().findAndAddModules().build());
	}

	/**
	 * @param mapper the application's mapper
	 */
	public PayloadCodec(JsonMapper mapper) {
		this.mapper = Objects.requireNonNull(mapper, "mapper");
	}

	/**
	 * Encodes arguments, checking each against its parameter by binding it as a worker
	 * would, so a job that could never run is refused now.
	 * @param task the task
	 * @param args the arguments
	 * @return a JSON array
	 * @throws InvalidArgumentsException naming the task and the parameter
	 */
	public String encodeArguments(TaskDefinition task, Object[] args) {
		List<TaskHandler.Parameter> parameters = task.handler().parameters();
		if (args.length != parameters.size()) {
			throw new InvalidArgumentsException("Task '" + task.name() + "' takes " + parameters.size()
					+ " argument(s) " + describe(parameters) + " but " + args.length
					+ " were given: pass exactly one value per parameter (a JobContext parameter is filled in by Taskito)",
					null);
		}
		ArrayNode array = this.mapper.createArrayNode();
		for (int i = 0; i < args.length; i++) {
			TaskHandler.Parameter parameter = parameters.get(i);
			JsonNode node;
			try {
				node = this.mapper.valueToTree(args[i]);
			}
			catch (JacksonException ex) {
				throw new InvalidArgumentsException("Argument " + i + " of task '" + task.name() + "' for parameter '"
						+ parameter.name() + "' cannot be written as JSON: " + ex.getOriginalMessage(), ex);
			}
			checkBinds(task, i, parameter, node);
			array.add(node);
		}
		return this.mapper.writeValueAsString(array);
	}

	private void checkBinds(TaskDefinition task, int index, TaskHandler.Parameter parameter, JsonNode node) {
		JavaType type = this.mapper.constructType(parameter.type());
		if (node.isNull() && type.isPrimitive()) {
			throw new InvalidArgumentsException("Argument " + index + " of task '" + task.name()
					+ "' is null but parameter '" + parameter.name() + "' is a primitive " + type.getRawClass()
					+ ": pass a value", null);
		}
		try {
			this.mapper.treeToValue(node, type);
		}
		catch (JacksonException ex) {
			throw new InvalidArgumentsException("Argument " + index + " of task '" + task.name()
					+ "' does not fit parameter '" + parameter.name() + "' of type " + type.toCanonical() + ": "
					+ ex.getOriginalMessage(), ex);
		}
	}

	/**
	 * Binds a stored payload to the handler's parameters.
	 * @param task the task
	 * @param payload the stored JSON array
	 * @return the arguments
	 * @throws PayloadException when the payload no longer fits (the job cannot ever run)
	 */
	public Object[] decodeArguments(TaskDefinition task, String payload) {
		List<TaskHandler.Parameter> parameters = task.handler().parameters();
		JsonNode tree;
		try {
			tree = this.mapper.readTree(payload);
		}
		catch (JacksonException ex) {
			throw new PayloadException("The stored payload of this job of task '" + task.name()
					+ "' is not valid JSON: " + ex.getOriginalMessage(), ex);
		}
		if (tree == null || !tree.isArray() || tree.size() != parameters.size()) {
			throw new PayloadException("The stored payload of this job of task '" + task.name()
					+ "' is not a JSON array of " + parameters.size() + " argument(s) " + describe(parameters)
					+ ": was " + abbreviate(payload), null);
		}
		Object[] args = new Object[parameters.size()];
		for (int i = 0; i < args.length; i++) {
			TaskHandler.Parameter parameter = parameters.get(i);
			try {
				args[i] = this.mapper.treeToValue(tree.get(i), this.mapper.constructType(parameter.type()));
			}
			catch (JacksonException ex) {
				throw new PayloadException("Argument " + i + " of this job of task '" + task.name()
						+ "' no longer fits parameter '" + parameter.name() + "': " + ex.getOriginalMessage(), ex);
			}
		}
		return args;
	}

	/**
	 * @param result a handler's return value
	 * @return JSON, or {@code null} for a {@code null} or {@code void} result
	 */
	public String encodeResult(Object result) {
		return (result != null) ? this.mapper.writeValueAsString(result) : null;
	}

	/**
	 * Reads a result stored as JSON.
	 * @param <T> the type
	 * @param json the stored result
	 * @param type the type to read it as
	 * @return the value
	 */
	public <T> T decodeResult(String json, Class<T> type) {
		return this.mapper.readValue(json, type);
	}

	/**
	 * @param type a generic type
	 * @return a readable name of it
	 */
	static String typeName(Type type) {
		return type.getTypeName().replaceAll("[\\w$]+\\.", "");
	}

	private static String describe(List<TaskHandler.Parameter> parameters) {
		StringBuilder text = new StringBuilder("(");
		for (TaskHandler.Parameter parameter : parameters) {
			if (text.length() > 1) {
				text.append(", ");
			}
			text.append(typeName(parameter.type())).append(' ').append(parameter.name());
		}
		return text.append(')').toString();
	}

	private static String abbreviate(String text) {
		return (text.length() <= 200) ? text : text.substring(0, 200) + "...";
	}

	/**
	 * A stored payload that can no longer be bound; its job goes to DEAD with this message.
	 */
	public static final class PayloadException extends RuntimeException {

		private static final long serialVersionUID = 1L;

		PayloadException(String message, Throwable cause) {
			super(message, cause);
		}

	}

}
