package io.github.grpclb.channel;

import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.grpc.ChannelLogger;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.Status;
import io.grpc.StatusOr;
import io.grpc.SynchronizationContext;
import io.grpc.internal.GrpcUtil;
import io.grpc.internal.SharedResourceHolder;

/**
 * One resolver for all the single-call channels of a client in dial-per-request mode. Without it every call would
 * build a resolver of its own and ask DNS again: at 500 calls per second, a flood of queries on the cluster's DNS
 * at the moment someone rolls back. Here the client's resolver runs once, on its own schedule (the
 * {@code refresh-interval}), and each single-call channel gets a resolver that answers from its latest result.
 * <p>
 * The shared resolver starts with the first call and stops at {@link #close()}.
 */
final class SharedResolution implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(SharedResolution.class);

	private final String clientName;

	private final String scheme;

	private final SynchronizationContext syncContext;

	private final NameResolver resolver;

	private final ScheduledExecutorService timer;

	private final Set<CallResolver> callResolvers = new LinkedHashSet<>();

	private NameResolver.ResolutionResult latest;

	private Status latestError;

	private boolean started;

	private boolean closed;

	/**
	 * Create the shared resolution of a client. Nothing is looked up before the first call.
	 * @param clientName the client
	 * @param target its target
	 * @param provider the provider of the client's resolver
	 * @param defaultPort the port when the target has none
	 * @throws IllegalArgumentException when the provider does not take the target
	 */
	SharedResolution(String clientName, String target, NameResolverProvider provider, int defaultPort) {
		this.clientName = Objects.requireNonNull(clientName, "clientName");
		this.scheme = URI.create(target).getScheme();
		this.syncContext = new SynchronizationContext((thread, ex) -> logger.atError()
			.addKeyValue("client", clientName)
			.setCause(ex)
			.log("gRPC client '{}': the shared resolver of dial-per-request mode failed", clientName));
		this.timer = SharedResourceHolder.get(GrpcUtil.TIMER_SERVICE);
		NameResolver.Args args = NameResolver.Args.newBuilder()
			.setDefaultPort(defaultPort)
			.setProxyDetector(GrpcUtil.NOOP_PROXY_DETECTOR)
			.setSynchronizationContext(this.syncContext)
			.setScheduledExecutorService(this.timer)
			.setServiceConfigParser(new NameResolver.ServiceConfigParser() {
				@Override
				public NameResolver.ConfigOrError parseServiceConfig(Map<String, ?> rawServiceConfig) {
					// The starter's channels ignore service configs from resolvers (disableServiceConfigLookUp).
					return NameResolver.ConfigOrError.fromConfig(rawServiceConfig);
				}
			})
			.setChannelLogger(new SilentChannelLogger())
			.build();
		NameResolver created = provider.newNameResolver(URI.create(target), args);
		if (created == null) {
			SharedResourceHolder.release(GrpcUtil.TIMER_SERVICE, this.timer);
			throw new IllegalArgumentException("no resolver for target " + target);
		}
		this.resolver = created;
	}

	/** @return the authority the client's resolver reports */
	String authority() {
		return this.resolver.getServiceAuthority();
	}

	@Override
	public void close() {
		this.syncContext.execute(() -> {
			if (this.closed) {
				return;
			}
			this.closed = true;
			this.callResolvers.clear();
			if (this.started) {
				this.resolver.shutdown();
			}
			SharedResourceHolder.release(GrpcUtil.TIMER_SERVICE, this.timer);
		});
	}

	/**
	 * The provider of a single-call channel's resolver.
	 * @param excluded addresses to leave out (those a call's earlier attempts failed on), unless nothing else would
	 * be left
	 * @return the provider, for one single-call channel
	 */
	NameResolverProvider provider(Set<SocketAddress> excluded) {
		Set<SocketAddress> copy = Set.copyOf(excluded);
		// The single-call channels have the client's target: grpc-java picks the provider by its scheme.
		return new InetResolverProvider(this.scheme) {
			@Override
			public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
				return new CallResolver(args.getSynchronizationContext(), copy);
			}
		};
	}

	private void startIfNeeded() {
		if (this.started || this.closed) {
			return;
		}
		this.started = true;
		this.resolver.start(new NameResolver.Listener2() {
			@Override
			public void onResult(NameResolver.ResolutionResult result) {
				onResult2(result);
			}

			@Override
			public Status onResult2(NameResolver.ResolutionResult result) {
				if (result.getAddressesOrError().hasValue() && result.getAddressesOrError().getValue().isEmpty()) {
					// No backend on purpose (NoBackends): calls fail with the resolver's reason until there is one.
					SharedResolution.this.latest = null;
					SharedResolution.this.latestError = NoBackends.statusOf(result.getAttributes());
				}
				else if (result.getAddressesOrError().hasValue()) {
					SharedResolution.this.latest = result;
					SharedResolution.this.latestError = null;
				}
				else if (SharedResolution.this.latest == null) {
					SharedResolution.this.latestError = result.getAddressesOrError().getStatus();
				}
				publish();
				return Status.OK;
			}

			@Override
			public void onError(Status error) {
				if (SharedResolution.this.latest == null) {
					SharedResolution.this.latestError = error;
					publish();
				}
			}
		});
	}

	private void publish() {
		for (CallResolver callResolver : this.callResolvers) {
			callResolver.deliver(this.latest, this.latestError);
		}
	}

	/** The resolver of one single-call channel: answers from the shared resolution. */
	private final class CallResolver extends NameResolver {

		private final SynchronizationContext channelContext;

		private final Set<SocketAddress> excluded;

		private Listener2 listener;

		private boolean shutdown;

		CallResolver(SynchronizationContext channelContext, Set<SocketAddress> excluded) {
			this.channelContext = channelContext;
			this.excluded = excluded;
		}

		@Override
		public String getServiceAuthority() {
			return authority();
		}

		@Override
		public void start(Listener2 listener) {
			this.listener = listener;
			SharedResolution.this.syncContext.execute(() -> {
				if (SharedResolution.this.closed) {
					deliver(null, Status.UNAVAILABLE.withDescription("gRPC client '"
							+ SharedResolution.this.clientName + "' is shut down (the application is shutting down)"));
					return;
				}
				SharedResolution.this.callResolvers.add(this);
				startIfNeeded();
				if (SharedResolution.this.latest != null || SharedResolution.this.latestError != null) {
					deliver(SharedResolution.this.latest, SharedResolution.this.latestError);
				}
			});
		}

		@Override
		public void refresh() {
			// A connection of this call failed: ask the shared resolver (it keeps its own minimum gap).
			SharedResolution.this.syncContext.execute(() -> {
				if (SharedResolution.this.started && !SharedResolution.this.closed) {
					SharedResolution.this.resolver.refresh();
				}
			});
		}

		@Override
		public void shutdown() {
			this.shutdown = true;
			SharedResolution.this.syncContext.execute(() -> SharedResolution.this.callResolvers.remove(this));
		}

		/** Hand a result to the single-call channel, in its own synchronization context. */
		void deliver(ResolutionResult result, Status error) {
			this.channelContext.execute(() -> {
				if (this.shutdown) {
					return;
				}
				if (result != null) {
					this.listener.onResult2(withoutExcluded(result));
				}
				else if (error != null) {
					this.listener.onError(error);
				}
			});
		}

		private ResolutionResult withoutExcluded(ResolutionResult result) {
			if (this.excluded.isEmpty() || !result.getAddressesOrError().hasValue()) {
				return result;
			}
			List<EquivalentAddressGroup> kept = new ArrayList<>();
			for (EquivalentAddressGroup group : result.getAddressesOrError().getValue()) {
				if (!this.excluded.containsAll(group.getAddresses())) {
					kept.add(group);
				}
			}
			// Every address failed this call already: better one of them again than none.
			return kept.isEmpty() ? result
					: result.toBuilder().setAddressesOrError(StatusOr.fromValue(kept)).build();
		}

	}

	private static final class SilentChannelLogger extends ChannelLogger {

		@Override
		public void log(ChannelLogLevel level, String message) {
		}

		@Override
		public void log(ChannelLogLevel level, String messageFormat, Object... args) {
		}

	}

}
