package io.github.grpclb.autoconfigure;

/**
 * Thrown at startup when a {@code grpc.lb.*} property is invalid or missing; reported by
 * {@link GrpcLbConfigurationFailureAnalyzer} with the property name, the reason and the fix.
 */
public class GrpcLbConfigurationException extends RuntimeException {

	private final String property;

	private final transient Object value;

	private final String reason;

	private final String action;

	/**
	 * Create an exception.
	 * @param property the full property name, e.g. {@code grpc.lb.clients.orders.policy}
	 * @param value the offending value, or {@code null} when missing
	 * @param reason what is wrong
	 * @param action how to fix it
	 */
	public GrpcLbConfigurationException(String property, Object value, String reason, String action) {
		this(((value != null) ? "Invalid value '" + value + "'" : "Missing value") + " for configuration property '"
				+ property + "': " + reason, property, value, reason, action);
	}

	private GrpcLbConfigurationException(String message, String property, Object value, String reason,
			String action) {
		super(message);
		this.property = property;
		this.value = value;
		this.reason = reason;
		this.action = action;
	}

	/**
	 * A key that no setting has (its value is not shown: it could be a secret).
	 * @param property the full property name, with where it was set
	 * @param action how to fix it
	 * @return the exception
	 */
	static GrpcLbConfigurationException unknownKey(String property, String action) {
		return new GrpcLbConfigurationException("Unknown configuration property '" + property + "'", property,
				"(not shown)", "no setting has this name", action);
	}

	/**
	 * The property at fault.
	 * @return its full name
	 */
	public String getProperty() {
		return this.property;
	}

	/**
	 * The offending value.
	 * @return the value, or {@code null} when the property is missing
	 */
	public Object getValue() {
		return this.value;
	}

	/**
	 * What is wrong.
	 * @return the reason
	 */
	public String getReason() {
		return this.reason;
	}

	/**
	 * How to fix it.
	 * @return the action
	 */
	public String getAction() {
		return this.action;
	}

}
