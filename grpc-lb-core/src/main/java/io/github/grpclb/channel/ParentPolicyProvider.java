package io.github.grpclb.channel;

import java.util.List;
import java.util.Map;

import io.grpc.ConnectivityState;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancer.FixedResultPicker;
import io.grpc.LoadBalancerProvider;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.util.ForwardingLoadBalancer;
import io.grpc.util.ForwardingLoadBalancerHelper;
import io.grpc.util.GracefulSwitchLoadBalancer;

/**
 * A policy of the starter's that wraps a child policy ({@code "childPolicy": [...]} in its config, as grpc-java's own
 * parent policies take it) and leaves the balancing to it. Registered with grpc-java through {@code META-INF/services}.
 */
abstract class ParentPolicyProvider extends LoadBalancerProvider {

	private final String policy;

	ParentPolicyProvider(String policy) {
		this.policy = policy;
	}

	@Override
	public final boolean isAvailable() {
		return true;
	}

	@Override
	public final int getPriority() {
		return 5;
	}

	@Override
	public final String getPolicyName() {
		return this.policy;
	}

	@Override
	public final NameResolver.ConfigOrError parseLoadBalancingPolicyConfig(Map<String, ?> rawConfig) {
		Object child = rawConfig.get("childPolicy");
		Object own = ownConfig(rawConfig);
		if (own == null || !(child instanceof List<?> list) || list.isEmpty()) {
			return NameResolver.ConfigOrError.fromError(
					Status.UNAVAILABLE.withDescription(this.policy + " needs " + expected() + " and a childPolicy list"));
		}
		@SuppressWarnings("unchecked")
		List<Map<String, ?>> childPolicies = (List<Map<String, ?>>) list;
		NameResolver.ConfigOrError parsed = GracefulSwitchLoadBalancer.parseLoadBalancingPolicyConfig(childPolicies);
		if (parsed.getError() != null) {
			return parsed;
		}
		return NameResolver.ConfigOrError.fromConfig(new Config(own, parsed.getConfig()));
	}

	/**
	 * This policy's own part of the config.
	 * @param rawConfig the whole config
	 * @return the parsed part, or {@code null} when it is invalid
	 */
	Object ownConfig(Map<String, ?> rawConfig) {
		return Boolean.TRUE;
	}

	/** @return what {@link #ownConfig(Map)} expects, for the error message */
	String expected() {
		return "nothing";
	}

	private record Config(Object own, Object child) {
	}

	/**
	 * The balancer: the child does the balancing. The subclass may wrap the subchannels the child creates and the
	 * pickers it publishes.
	 */
	abstract static class ParentLoadBalancer extends ForwardingLoadBalancer {

		private final LoadBalancer.Helper helper;

		private GracefulSwitchLoadBalancer child;

		/** Whether the last address list was empty (the child then has no subchannels). */
		private boolean empty;

		ParentLoadBalancer(LoadBalancer.Helper helper) {
			this.helper = helper;
			this.child = newChild();
		}

		private GracefulSwitchLoadBalancer newChild() {
			return new GracefulSwitchLoadBalancer(new ForwardingLoadBalancerHelper() {
				@Override
				protected LoadBalancer.Helper delegate() {
					return ParentLoadBalancer.this.helper;
				}

				@Override
				public LoadBalancer.Subchannel createSubchannel(LoadBalancer.CreateSubchannelArgs args) {
					return subchannel(ParentLoadBalancer.this.helper.createSubchannel(args), args);
				}

				@Override
				public void updateBalancingState(ConnectivityState state, LoadBalancer.SubchannelPicker picker) {
					ParentLoadBalancer.this.helper.updateBalancingState(state, picker(state, picker));
				}
			});
		}

		/**
		 * The subchannel the child gets (from the synchronization context).
		 * @param subchannel the channel's subchannel
		 * @param args what the child asked for
		 * @return {@code subchannel} or a wrapper
		 */
		LoadBalancer.Subchannel subchannel(LoadBalancer.Subchannel subchannel,
				LoadBalancer.CreateSubchannelArgs args) {
			return subchannel;
		}

		/**
		 * The picker the channel gets (from the synchronization context).
		 * @param state the child's state
		 * @param picker the child's picker
		 * @return {@code picker} or a wrapper
		 */
		LoadBalancer.SubchannelPicker picker(ConnectivityState state, LoadBalancer.SubchannelPicker picker) {
			return picker;
		}

		/**
		 * Told this policy's own config before each update reaches the child.
		 * @param own what {@link ParentPolicyProvider#ownConfig(Map)} parsed
		 */
		void configured(Object own) {
		}

		@Override
		protected final LoadBalancer delegate() {
			return this.child;
		}

		/** An empty list means "no backend" here ({@link NoBackends}), not "keep what you have". */
		@Override
		public final boolean canHandleEmptyAddressListFromNameResolution() {
			return true;
		}

		@Override
		public final Status acceptResolvedAddresses(LoadBalancer.ResolvedAddresses resolvedAddresses) {
			// The own config first, also for an empty list: the subclass must know it before it sees a picker.
			LoadBalancer.ResolvedAddresses forChild = childAddresses(resolvedAddresses);
			if (noBackends(resolvedAddresses)) {
				return Status.OK;
			}
			return this.child.acceptResolvedAddresses(forChild);
		}

		@Override
		@SuppressWarnings("deprecation")
		public final void handleResolvedAddresses(LoadBalancer.ResolvedAddresses resolvedAddresses) {
			LoadBalancer.ResolvedAddresses forChild = childAddresses(resolvedAddresses);
			if (!noBackends(resolvedAddresses)) {
				this.child.handleResolvedAddresses(forChild);
			}
		}

		/**
		 * An empty list: close every connection (the child with its subchannels; calls in flight finish) and fail
		 * calls with the resolver's status until a list with backends comes, which goes to a new child.
		 */
		private boolean noBackends(LoadBalancer.ResolvedAddresses resolvedAddresses) {
			if (!resolvedAddresses.getAddresses().isEmpty()) {
				this.empty = false;
				return false;
			}
			if (!this.empty) {
				this.empty = true;
				this.child.shutdown();
				this.child = newChild();
			}
			Status status = NoBackends.statusOf(resolvedAddresses.getAttributes());
			this.helper.updateBalancingState(ConnectivityState.TRANSIENT_FAILURE, picker(
					ConnectivityState.TRANSIENT_FAILURE,
					new FixedResultPicker(LoadBalancer.PickResult.withError(status))));
			return true;
		}

		private LoadBalancer.ResolvedAddresses childAddresses(LoadBalancer.ResolvedAddresses addresses) {
			Config config = (Config) addresses.getLoadBalancingPolicyConfig();
			configured(config.own());
			return addresses.toBuilder().setLoadBalancingPolicyConfig(config.child()).build();
		}

	}

}
