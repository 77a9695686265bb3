package io.github.grpclb.channel;

import java.util.function.Consumer;

/**
 * Where {@code kubernetes:} targets get their endpoints from: one watch per Service, shared by every channel of it.
 * The implementation on fabric8's Kubernetes client is {@code io.github.grpclb.kubernetes.EndpointSliceWatches}.
 */
public interface EndpointSource extends AutoCloseable {

	/**
	 * Follow a Service's endpoints. The consumer gets the current snapshot at once (when there is one) and a new one
	 * on every change, on some thread of the source's: it must hand off quickly.
	 * @param namespace the namespace, or {@code null} for {@link #defaultNamespace()}
	 * @param service the Service's name
	 * @param clientName the client that asks (for logs)
	 * @param consumer told every snapshot
	 * @return what stops following; the last one to stop ends the watch
	 */
	Subscription subscribe(String namespace, String service, String clientName, Consumer<ServiceEndpoints> consumer);

	/**
	 * The namespace a target without one means: the application's own (its service account's, or the kubeconfig's
	 * current context's).
	 * @return the namespace
	 */
	String defaultNamespace();

	/**
	 * The zone the application runs in, when the source can tell (without blocking: the first call may start a
	 * lookup whose result comes with later snapshots).
	 * @return the zone, or {@code null} when unknown (so far)
	 */
	default String clientZone() {
		return null;
	}

	/** Stop every watch. */
	@Override
	void close();

	/** A subscription; {@link #cancel()} is idempotent. */
	interface Subscription {

		/** Stop following. */
		void cancel();

	}

}
