package io.github.grpclb.channel;

/**
 * Told about every connection dialed in dial-per-request mode (used for the {@code grpc.lb.dials} meter).
 */
@FunctionalInterface
public interface DialListener {

	/** A listener that does nothing. */
	DialListener NONE = (clientName, target) -> {
	};

	/**
	 * A single-call channel was created for a call.
	 * @param clientName the client making the call
	 * @param target the target dialed
	 */
	void dialed(String clientName, String target);

}
