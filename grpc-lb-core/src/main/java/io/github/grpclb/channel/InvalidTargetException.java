package io.github.grpclb.channel;

/**
 * grpc-java refused a client's target when the channel was built (no name resolver accepts it).
 */
public class InvalidTargetException extends IllegalArgumentException {

	private final String clientName;

	private final String target;

	/**
	 * Create an exception.
	 * @param clientName the client whose channel was being built
	 * @param target the target grpc-java refused
	 * @param cause what grpc-java said
	 */
	public InvalidTargetException(String clientName, String target, IllegalArgumentException cause) {
		super("gRPC client '" + clientName + "': grpc-java cannot use target '" + target + "': " + cause.getMessage(),
				cause);
		this.clientName = clientName;
		this.target = target;
	}

	/**
	 * The client whose channel was being built.
	 * @return the client name
	 */
	public String getClientName() {
		return this.clientName;
	}

	/**
	 * The refused target.
	 * @return the target
	 */
	public String getTarget() {
		return this.target;
	}

}
