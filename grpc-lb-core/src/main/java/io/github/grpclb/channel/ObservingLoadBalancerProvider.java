package io.github.grpclb.channel;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.grpc.ChannelLogger;
import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.Status;
import io.grpc.util.ForwardingSubchannel;

/**
 * The {@value #POLICY} load-balancing policy: changes nothing in how calls are balanced, and tells a
 * {@link ClientView} what the policies below it do: each backend's connection state, outlier ejections and health
 * check results. It sits at the root of a pooled channel's policy tree, above outlier detection and health checking,
 * which report ejections and health results on the subchannel's {@link ChannelLogger}; the subchannels they wrap are
 * this policy's, so it hands them a logger that forwards everything and notes those events on the way.
 * <p>
 * The log lines it reads are grpc-java's wording, not an API: {@code ObservingLoadBalancerTests} pins them against
 * real servers, so that a grpc-java upgrade that rewords them fails the build instead of showing stale states.
 * Policies are global in grpc-java: the config names a key {@link #register(ClientView) registered} per channel.
 */
public final class ObservingLoadBalancerProvider extends ParentPolicyProvider {

	/** The policy name, as it appears in a service config. */
	public static final String POLICY = "grpc_lb_observe";

	private static final Map<String, ClientView> VIEWS = new ConcurrentHashMap<>();

	private static final AtomicLong KEYS = new AtomicLong();

	/**
	 * Make a view reachable from a service config.
	 * @param view the view a channel's policy should feed
	 * @return the key to put in the policy's config
	 */
	static String register(ClientView view) {
		String key = view.name() + "#" + KEYS.incrementAndGet();
		VIEWS.put(key, view);
		return key;
	}

	/**
	 * Forget a key (its channel is closed).
	 * @param key a key from {@link #register(ClientView)}
	 */
	static void unregister(String key) {
		VIEWS.remove(key);
	}

	/**
	 * The policy config that observes {@code child} for the view registered under {@code key}.
	 * @param key the key, or {@code null} to feed no view
	 * @param guardTracers whether to keep exceptions of the child's stream tracers from reaching grpc-java
	 * ({@link GuardedTracers}: needed around outlier detection)
	 * @param child the policy config to observe
	 * @return the config
	 */
	static Map<String, Object> around(String key, boolean guardTracers, Map<String, Object> child) {
		return Map.of(POLICY, Map.of("key", (key != null) ? key : "", "guardTracers", guardTracers, "childPolicy",
				List.of(child)));
	}

	/** Made by grpc-java's policy registry. */
	public ObservingLoadBalancerProvider() {
		super(POLICY);
	}

	@Override
	public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
		return new ObservingLoadBalancer(helper);
	}

	@Override
	Object ownConfig(Map<String, ?> rawConfig) {
		return (rawConfig.get("key") instanceof String key)
				? new Own(key, Boolean.TRUE.equals(rawConfig.get("guardTracers"))) : null;
	}

	private record Own(String key, boolean guardTracers) {
	}

	@Override
	String expected() {
		return "a key";
	}

	/** Everything runs in the channel's synchronization context. */
	private static final class ObservingLoadBalancer extends ParentLoadBalancer {

		/** The view fed; {@code null} until the first config names it (or when its key is gone). */
		private ClientView view;

		private boolean guardTracers;

		ObservingLoadBalancer(LoadBalancer.Helper helper) {
			super(helper);
		}

		@Override
		LoadBalancer.Subchannel subchannel(LoadBalancer.Subchannel subchannel,
				LoadBalancer.CreateSubchannelArgs args) {
			return (this.view != null) ? new ObservedSubchannel(subchannel, this.view, args.getAddresses())
					: subchannel;
		}

		@Override
		LoadBalancer.SubchannelPicker picker(ConnectivityState state, LoadBalancer.SubchannelPicker picker) {
			if (this.view != null) {
				this.view.channelState(state);
			}
			return this.guardTracers ? GuardedTracers.picker(picker) : picker;
		}

		@Override
		void configured(Object own) {
			Own config = (Own) own;
			this.view = VIEWS.get(config.key());
			this.guardTracers = config.guardTracers();
		}

		@Override
		public void shutdown() {
			if (this.view != null) {
				this.view.balancerShutdown();
			}
			super.shutdown();
		}

	}

	/** A subchannel whose state, ejections and health results reach the view. */
	private static final class ObservedSubchannel extends ForwardingSubchannel {

		private final LoadBalancer.Subchannel delegate;

		private final ClientView view;

		private final ClientView.Backend backend;

		private final ChannelLogger logger;

		ObservedSubchannel(LoadBalancer.Subchannel delegate, ClientView view, List<EquivalentAddressGroup> groups) {
			this.delegate = delegate;
			this.view = view;
			this.backend = view.added(this, groups);
			this.logger = new EventLogger(delegate.getChannelLogger(), this.backend);
		}

		@Override
		protected LoadBalancer.Subchannel delegate() {
			return this.delegate;
		}

		@Override
		public ChannelLogger getChannelLogger() {
			// Outlier detection and health checking take it once, when they wrap this subchannel.
			return this.logger;
		}

		@Override
		public void start(LoadBalancer.SubchannelStateListener listener) {
			super.start((info) -> {
				if (info.getState() == ConnectivityState.SHUTDOWN) {
					this.view.removed(this);
				}
				else {
					this.backend.state(info.getState(), detail(info));
				}
				listener.onSubchannelState(info);
			});
		}

		@Override
		public void shutdown() {
			this.view.removed(this);
			super.shutdown();
		}

		@Override
		public void updateAddresses(List<EquivalentAddressGroup> addrs) {
			this.backend.addresses(addrs);
			super.updateAddresses(addrs);
		}

		private static String detail(ConnectivityStateInfo info) {
			Status status = info.getStatus();
			if (status.isOk()) {
				return null;
			}
			String text = (status.getDescription() != null) ? status.getCode() + ": " + status.getDescription()
					: status.getCode().toString();
			// The cause says what the description does not, e.g. "Connection refused".
			return (status.getCause() != null && status.getCause().getMessage() != null)
					? text + " (" + status.getCause().getMessage() + ")" : text;
		}

	}

	/**
	 * Forwards every log call, and turns outlier detection's and health checking's lines about a subchannel into
	 * events (grpc-java 1.85 wording: OutlierDetectionLoadBalancer, HealthCheckingLoadBalancerFactory).
	 */
	private static final class EventLogger extends ChannelLogger {

		private final ChannelLogger delegate;

		private final ClientView.Backend backend;

		EventLogger(ChannelLogger delegate, ClientView.Backend backend) {
			this.delegate = delegate;
			this.backend = backend;
		}

		@Override
		public void log(ChannelLogLevel level, String message) {
			noted(message, null);
			this.delegate.log(level, message);
		}

		@Override
		public void log(ChannelLogLevel level, String messageFormat, Object... args) {
			noted(messageFormat, args);
			this.delegate.log(level, messageFormat, args);
		}

		private void noted(String template, Object[] args) {
			Object arg = (args != null && args.length > 0) ? args[0] : null;
			switch (template) {
				case "Subchannel ejected: {0}" -> this.backend.ejected(true);
				case "Subchannel unejected: {0}" -> this.backend.ejected(false);
				case "CONNECTING: Starting health-check for \"{0}\"" ->
					this.backend.health(ClientView.Health.CHECKING, null);
				case "READY: health-check responded SERVING" -> this.backend.health(ClientView.Health.SERVING, null);
				case "TRANSIENT_FAILURE: health-check responded {0}" -> this.backend.health(servingStatus(arg),
						String.valueOf(arg));
				case "TRANSIENT_FAILURE: health-check stream closed with {0}" ->
					this.backend.health(ClientView.Health.ERROR, String.valueOf(arg));
				case "Health-check disabled: {0}" ->
					this.backend.health(ClientView.Health.NOT_SUPPORTED, String.valueOf(arg));
				default -> {
				}
			}
		}

		private static ClientView.Health servingStatus(Object status) {
			String name = String.valueOf(status);
			for (ClientView.Health health : ClientView.Health.values()) {
				if (health.name().equals(name)) {
					return health;
				}
			}
			return ClientView.Health.UNKNOWN;
		}

	}

}
