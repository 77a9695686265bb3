package io.github.grpclb.channel;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * Told what the starter's resolvers find for each client: for logs, metrics and anything else that must follow the
 * set of backends (for example removing the meters of pods that are gone). Called from the channel's
 * synchronization context: implementations must be quick and must not block.
 */
public interface ResolutionListener {

	/** A listener that does nothing. */
	ResolutionListener NONE = new ResolutionListener() {
	};

	/**
	 * A lookup answered.
	 * @param clientName the client whose resolver looked up
	 * @param addresses every address the client's resolver returns now
	 * @param changed whether the set differs from the previous answer
	 */
	default void resolved(String clientName, List<InetSocketAddress> addresses, boolean changed) {
	}

	/**
	 * A lookup failed. The client keeps the addresses of the last answer, if it had one.
	 * @param clientName the client whose resolver looked up
	 * @param error what went wrong
	 * @param keptAddresses whether the client still has addresses from an earlier answer
	 */
	default void failed(String clientName, String error, boolean keptAddresses) {
	}

	/**
	 * The next lookup is scheduled (by the starter's refreshing resolvers).
	 * @param clientName the client whose resolver will look up
	 * @param in how long from now
	 */
	default void scheduled(String clientName, Duration in) {
	}

	/**
	 * A listener that tells each of the given listeners in turn.
	 * @param listeners the listeners
	 * @return one listener for all of them
	 */
	static ResolutionListener of(List<? extends ResolutionListener> listeners) {
		List<ResolutionListener> all = List.copyOf(listeners);
		if (all.isEmpty()) {
			return NONE;
		}
		return (all.size() == 1) ? all.get(0) : new ResolutionListener() {
			@Override
			public void resolved(String clientName, List<InetSocketAddress> addresses, boolean changed) {
				all.forEach((listener) -> listener.resolved(clientName, addresses, changed));
			}

			@Override
			public void failed(String clientName, String error, boolean keptAddresses) {
				all.forEach((listener) -> listener.failed(clientName, error, keptAddresses));
			}

			@Override
			public void scheduled(String clientName, Duration in) {
				all.forEach((listener) -> listener.scheduled(clientName, in));
			}
		};
	}

}
