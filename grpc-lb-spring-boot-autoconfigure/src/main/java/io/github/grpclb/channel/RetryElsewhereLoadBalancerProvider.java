package io.github.grpclb.channel;

import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.ConnectivityState;
import io.grpc.EquivalentAddressGroup;
import io.grpc.Grpc;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.util.ForwardingLoadBalancer;
import io.grpc.util.ForwardingLoadBalancerHelper;
import io.grpc.util.ForwardingSubchannel;
import io.grpc.util.GracefulSwitchLoadBalancer;

/**
 * The {@value #POLICY} load-balancing policy: whatever child policy it wraps picks as usual, except that a retry or
 * hedge of a call is not sent to a backend where an earlier attempt of that same call failed, as long as the child
 * offers another. grpc-java's own retries go back through the picker, and with five pods and one failing, a call's
 * three attempts could otherwise all land on the failing one.
 * <p>
 * The starter's pooled channels get it around their policy whenever they retry or hedge, together with
 * {@link #interceptor()}, which gives each call the memory of where its attempts failed. Registered with
 * grpc-java through {@code META-INF/services} like grpc-java's own policies; it keeps no state of its own.
 */
public final class RetryElsewhereLoadBalancerProvider extends LoadBalancerProvider {

	/** The policy name, as it appears in a service config. */
	public static final String POLICY = "grpc_lb_retry_elsewhere";

	/** How many more picks a retry gets to find a backend its call has not failed on. */
	private static final int MAX_REPICKS = 8;

	private static final CallOptions.Key<FailedOn> FAILED_ON = CallOptions.Key.create("grpc-lb.failed-on");

	private static final ClientInterceptor INTERCEPTOR = new MemoryInterceptor();

	/**
	 * The interceptor that makes each call remember the backends its attempts failed on.
	 * @return the interceptor (stateless; one per channel or shared)
	 */
	public static ClientInterceptor interceptor() {
		return INTERCEPTOR;
	}

	@Override
	public boolean isAvailable() {
		return true;
	}

	@Override
	public int getPriority() {
		return 5;
	}

	@Override
	public String getPolicyName() {
		return POLICY;
	}

	@Override
	public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
		return new RetryElsewhereLoadBalancer(helper);
	}

	@Override
	public NameResolver.ConfigOrError parseLoadBalancingPolicyConfig(Map<String, ?> rawConfig) {
		Object child = rawConfig.get("childPolicy");
		if (!(child instanceof List<?> list) || list.isEmpty()) {
			return NameResolver.ConfigOrError
				.fromError(Status.UNAVAILABLE.withDescription(POLICY + " needs a childPolicy list"));
		}
		@SuppressWarnings("unchecked")
		List<Map<String, ?>> childPolicies = (List<Map<String, ?>>) list;
		NameResolver.ConfigOrError parsed = GracefulSwitchLoadBalancer.parseLoadBalancingPolicyConfig(childPolicies);
		if (parsed.getError() != null) {
			return parsed;
		}
		return NameResolver.ConfigOrError.fromConfig(new Config(parsed.getConfig()));
	}

	private record Config(Object child) {
	}

	private static final class RetryElsewhereLoadBalancer extends ForwardingLoadBalancer {

		private final GracefulSwitchLoadBalancer child;

		RetryElsewhereLoadBalancer(LoadBalancer.Helper helper) {
			this.child = new GracefulSwitchLoadBalancer(new ForwardingLoadBalancerHelper() {
				@Override
				protected LoadBalancer.Helper delegate() {
					return helper;
				}

				@Override
				public LoadBalancer.Subchannel createSubchannel(LoadBalancer.CreateSubchannelArgs args) {
					return new AddressedSubchannel(helper.createSubchannel(args), args.getAddresses());
				}

				@Override
				public void updateBalancingState(ConnectivityState state, LoadBalancer.SubchannelPicker picker) {
					helper.updateBalancingState(state, new AvoidingPicker(picker));
				}
			});
		}

		@Override
		protected LoadBalancer delegate() {
			return this.child;
		}

		@Override
		public Status acceptResolvedAddresses(LoadBalancer.ResolvedAddresses resolvedAddresses) {
			return this.child.acceptResolvedAddresses(childAddresses(resolvedAddresses));
		}

		@Override
		@SuppressWarnings("deprecation")
		public void handleResolvedAddresses(LoadBalancer.ResolvedAddresses resolvedAddresses) {
			this.child.handleResolvedAddresses(childAddresses(resolvedAddresses));
		}

		private static LoadBalancer.ResolvedAddresses childAddresses(LoadBalancer.ResolvedAddresses addresses) {
			Config config = (Config) addresses.getLoadBalancingPolicyConfig();
			return addresses.toBuilder().setLoadBalancingPolicyConfig(config.child()).build();
		}

	}

	/** A subchannel that knows its addresses without asking the synchronization context. */
	private static final class AddressedSubchannel extends ForwardingSubchannel {

		private final LoadBalancer.Subchannel delegate;

		private volatile List<EquivalentAddressGroup> groups;

		AddressedSubchannel(LoadBalancer.Subchannel delegate, List<EquivalentAddressGroup> groups) {
			this.delegate = delegate;
			this.groups = List.copyOf(groups);
		}

		@Override
		protected LoadBalancer.Subchannel delegate() {
			return this.delegate;
		}

		@Override
		public void updateAddresses(List<EquivalentAddressGroup> addrs) {
			this.groups = List.copyOf(addrs);
			super.updateAddresses(addrs);
		}

		boolean servesAnyOf(Set<SocketAddress> addresses) {
			for (EquivalentAddressGroup group : this.groups) {
				for (SocketAddress address : group.getAddresses()) {
					if (addresses.contains(address)) {
						return true;
					}
				}
			}
			return false;
		}

	}

	private static final class AvoidingPicker extends LoadBalancer.SubchannelPicker {

		private final LoadBalancer.SubchannelPicker delegate;

		AvoidingPicker(LoadBalancer.SubchannelPicker delegate) {
			this.delegate = delegate;
		}

		@Override
		public LoadBalancer.PickResult pickSubchannel(LoadBalancer.PickSubchannelArgs args) {
			LoadBalancer.PickResult result = this.delegate.pickSubchannel(args);
			FailedOn memory = args.getCallOptions().getOption(FAILED_ON);
			Set<SocketAddress> failedOn = (memory != null) ? memory.addresses : null;
			if (failedOn == null) {
				return result;
			}
			for (int i = 0; i < MAX_REPICKS && avoided(result, failedOn); i++) {
				LoadBalancer.PickResult next = this.delegate.pickSubchannel(args);
				if (next.getSubchannel() == null) {
					break;
				}
				result = next;
			}
			return result;
		}

		private static boolean avoided(LoadBalancer.PickResult result, Set<SocketAddress> failedOn) {
			return result.getSubchannel() instanceof AddressedSubchannel subchannel
					&& subchannel.servesAnyOf(failedOn);
		}

	}

	/** Where a call's attempts failed; the set is made only when one does (most calls never need it). */
	private static final class FailedOn {

		volatile Set<SocketAddress> addresses;

		synchronized void add(SocketAddress address) {
			Set<SocketAddress> set = this.addresses;
			if (set == null) {
				set = ConcurrentHashMap.newKeySet();
				set.add(address);
				this.addresses = set;
			}
			else {
				set.add(address);
			}
		}

	}

	/** Gives each call its memory of failed backends, filled in by one shared stream tracer factory. */
	private static final class MemoryInterceptor extends ClientStreamTracer.Factory implements ClientInterceptor {

		@Override
		public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
				CallOptions callOptions, Channel next) {
			return next.newCall(method, callOptions.withOption(FAILED_ON, new FailedOn()).withStreamTracerFactory(this));
		}

		@Override
		public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
			FailedOn memory = info.getCallOptions().getOption(FAILED_ON);
			return (memory != null) ? new AttemptTracer(memory) : NOOP_TRACER;
		}

	}

	private static final ClientStreamTracer NOOP_TRACER = new ClientStreamTracer() {
	};

	/** Notes the backend of an attempt that failed. */
	private static final class AttemptTracer extends ClientStreamTracer {

		private final FailedOn memory;

		private volatile SocketAddress remote;

		AttemptTracer(FailedOn memory) {
			this.memory = memory;
		}

		@Override
		public void streamCreated(Attributes transportAttrs, Metadata headers) {
			this.remote = transportAttrs.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
		}

		@Override
		public void streamClosed(Status status) {
			SocketAddress address = this.remote;
			if (!status.isOk() && address != null) {
				this.memory.add(address);
			}
		}

	}

}
