package io.github.grpclb.channel;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.grpc.ConnectivityState;
import io.grpc.EquivalentAddressGroup;

/**
 * What one client's balancer sees, kept up to date as it happens: the client's last resolution, and per backend its
 * connection state, whether outlier detection ejected it and what its health check says. Written from the channel's
 * synchronization context (by {@link ObservingLoadBalancerProvider} and the client's resolver), read from any
 * thread through {@link #snapshot()}. Costs nothing per call: it follows connection, health and ejection events only.
 */
public final class ClientView {

	private static final Logger logger = LoggerFactory.getLogger(ClientView.class);

	/** What a backend's client-side health check says. */
	public enum Health {

		/** The client does not health-check (switched off, or a policy without health checking). */
		NOT_CONFIGURED,

		/** Not checked now: no working connection, or ejected (grpc-java stops checking an ejected backend). */
		NOT_CHECKED,

		/** The health check started and has no answer yet. */
		CHECKING,

		/** The backend answers SERVING. */
		SERVING,

		/** The backend answers NOT_SERVING. */
		NOT_SERVING,

		/** The backend does not know the configured health service name. */
		SERVICE_UNKNOWN,

		/** The backend answers UNKNOWN. */
		UNKNOWN,

		/** The health check stream failed (it is retried). */
		ERROR,

		/** The backend has no grpc.health.v1 service: it counts as healthy. */
		NOT_SUPPORTED;

		/** @return whether the balancer may send calls to a connected backend in this state */
		public boolean allowsCalls() {
			return this == SERVING || this == NOT_SUPPORTED || this == NOT_CONFIGURED;
		}

	}

	/**
	 * One lookup of the client's resolver.
	 * @param at when it answered or failed
	 * @param succeeded whether it answered
	 * @param addresses what it returned (the kept addresses after a failure)
	 * @param error what went wrong, or {@code null}
	 */
	public record Resolution(Instant at, boolean succeeded, List<String> addresses, String error) {
	}

	/**
	 * A backend as the balancer sees it.
	 * @param address the backend's address ({@code host:port}; several joined with commas)
	 * @param state the connection's state
	 * @param stateDetail why the connection is not READY, or {@code null}
	 * @param health what the health check says
	 * @param healthDetail the health check's last answer or error, or {@code null}
	 * @param ejected whether outlier detection ejected it
	 * @param ejectedSince when the current ejection began, or {@code null}
	 * @param ejections how many times it was ejected
	 * @param since when the balancer first connected to it
	 * @param lastChange when any of this last changed
	 * @param zone the zone the backend runs in ({@code kubernetes:} targets), or {@code null} when unknown
	 */
	public record BackendSnapshot(String address, ConnectivityState state, String stateDetail, Health health,
			String healthDetail, boolean ejected, Instant ejectedSince, long ejections, Instant since,
			Instant lastChange, String zone) {

		/** @return whether the balancer can send calls to it now */
		public boolean usable() {
			return this.state == ConnectivityState.READY && !this.ejected && this.health.allowsCalls();
		}

	}

	/**
	 * The client at one moment.
	 * @param name the client's name
	 * @param settings its settings (TLS material included: never show them as they are), or {@code null} before its
	 * channel was made
	 * @param target its target
	 * @param policy its load-balancing policy
	 * @param pooled whether it uses a pooled channel (false: dial-per-request, where no balancer is followed)
	 * @param healthChecked whether its balancer health-checks backends
	 * @param channelState the balancer's overall state, or {@code null} before its channel made a connection
	 * @param lastResolution the last lookup, or {@code null} before the first
	 * @param lastSuccessfulResolution the last lookup that answered, or {@code null}
	 * @param nextResolution when the resolver looks up next, or {@code null} when it does not say (grpc-java's own)
	 * @param backends the backends the balancer has, by address
	 * @param ejections ejections so far
	 * @param healthTransitions health check results that changed a backend's health, by the new health
	 */
	public record Snapshot(String name, ChannelSettings settings, String target, String policy, boolean pooled,
			boolean healthChecked, ConnectivityState channelState, Resolution lastResolution,
			Resolution lastSuccessfulResolution, Instant nextResolution, List<BackendSnapshot> backends, long ejections,
			Map<Health, Long> healthTransitions) {

		/** @return how many backends can take calls now */
		public long usableBackends() {
			return this.backends.stream().filter(BackendSnapshot::usable).count();
		}

	}

	private final String name;

	private final Clock clock;

	private volatile ChannelSettings settings;

	private volatile String target;

	private volatile String policy;

	private volatile boolean pooled;

	private volatile boolean healthChecked;

	private volatile ConnectivityState channelState;

	private volatile Resolution lastResolution;

	private volatile Resolution lastSuccessfulResolution;

	private volatile Instant nextResolution;

	private final Map<Object, Backend> backends = new ConcurrentHashMap<>();

	private final java.util.Set<String> zones = ConcurrentHashMap.newKeySet();

	private final List<java.util.function.Consumer<String>> zoneListeners =
			new java.util.concurrent.CopyOnWriteArrayList<>();

	private final AtomicLong ejections = new AtomicLong();

	private final Map<Health, AtomicLong> healthTransitions = new EnumMap<>(Health.class);

	/** Whether the one-address advice was given (once per client: a one-pod Service is legitimate). */
	private volatile boolean singleAddressAdvised;

	/** Whether the refused-everywhere advice was given since a backend last worked. */
	private volatile boolean refusedAdvised;

	/** Whether a backend of this client has ever been READY: a wrong port never is. */
	private volatile boolean everReady;

	ClientView(String name, Clock clock) {
		this.name = name;
		this.clock = clock;
		for (Health health : Health.values()) {
			this.healthTransitions.put(health, new AtomicLong());
		}
	}

	/** @return the client's name */
	public String name() {
		return this.name;
	}

	/**
	 * Note the settings of the client's channel, when it is created.
	 * @param settings the channel's settings
	 * @param pooled whether it is pooled
	 */
	void configured(ChannelSettings settings, boolean pooled) {
		this.settings = settings;
		this.target = settings.target();
		this.policy = settings.policy();
		this.pooled = pooled;
		this.healthChecked = pooled && settings.healthCheck() != null && "round_robin".equals(settings.policy());
	}

	void resolved(List<InetSocketAddress> addresses) {
		Resolution resolution = new Resolution(this.clock.instant(), true,
				addresses.stream().map(BackendAddress::of).toList(), null);
		this.lastResolution = resolution;
		this.lastSuccessfulResolution = resolution;
		String target = this.target;
		// A kubernetes: target lists pods, never a ClusterIP.
		if (addresses.size() == 1 && target != null && target.contains(".svc") && !this.singleAddressAdvised
				&& !KubernetesNameResolverProvider.handles(target)) {
			this.singleAddressAdvised = true;
			logger.atWarn()
				.addKeyValue("client", this.name)
				.log("gRPC client '{}': target {} resolves to one address ({}). If that is a ClusterIP Service, "
						+ "kube-proxy balances connections, not calls, and one pod gets all of this client's calls: "
						+ "make the Service headless (clusterIP: None) so that DNS returns every pod. If the Service "
						+ "has a single pod, nothing is wrong (said once).", this.name, target,
						resolution.addresses().get(0));
		}
	}

	/**
	 * Every backend refused the connection and none ever worked: say once that the port may be the Service's. A fleet
	 * that worked and then went away (an outage, or its servers stopping before this application at shutdown) is not
	 * a port mistake.
	 */
	private void checkRefusedEverywhere() {
		boolean refused = !this.backends.isEmpty() && !this.everReady;
		for (Backend backend : this.backends.values()) {
			if (backend.state == ConnectivityState.READY) {
				this.everReady = true;
				return;
			}
			String detail = backend.stateDetail;
			refused &= backend.state == ConnectivityState.TRANSIENT_FAILURE && detail != null
					&& detail.contains("Connection refused");
		}
		if (refused && !this.refusedAdvised) {
			this.refusedAdvised = true;
			if (namesItsPort(this.target)) {
				return;
			}
			logger.atWarn()
				.addKeyValue("client", this.name)
				.log("gRPC client '{}': every backend of {} refuses connections. Is the port the Service's 'port' "
						+ "rather than the pods' 'targetPort'? With a headless Service the client connects to the pods "
						+ "directly: the target must name the port the container listens on.", this.name, this.target);
		}
	}

	/** A kubernetes: target with a port name: the port comes from the EndpointSlices, it cannot be the Service's. */
	private static boolean namesItsPort(String target) {
		if (target == null || !KubernetesNameResolverProvider.handles(target)) {
			return false;
		}
		try {
			return Target.parse(target, false).service().portName() != null;
		}
		catch (IllegalArgumentException ex) {
			return false;
		}
	}

	void nextResolution(java.time.Duration in) {
		this.nextResolution = this.clock.instant().plus(in);
	}

	void resolutionFailed(String error) {
		Resolution last = this.lastSuccessfulResolution;
		this.lastResolution = new Resolution(this.clock.instant(), false, (last != null) ? last.addresses() : List.of(),
				error);
	}

	void channelState(ConnectivityState state) {
		this.channelState = state;
	}

	/** The balancer went away (idle mode or shutdown): so did its backends. */
	void balancerShutdown() {
		this.backends.clear();
		this.channelState = ConnectivityState.IDLE;
	}

	/**
	 * A new backend (one subchannel of the balancer).
	 * @param key the subchannel
	 * @param groups its addresses
	 * @return its state, to be updated as events arrive
	 */
	Backend added(Object key, List<EquivalentAddressGroup> groups) {
		Backend backend = new Backend(groups);
		this.backends.put(key, backend);
		return backend;
	}

	void removed(Object key) {
		this.backends.remove(key);
	}

	/**
	 * Be told of every zone a backend of this client runs in ({@code kubernetes:} targets): those seen so far at
	 * once, later ones when they appear.
	 * @param listener told each zone once
	 */
	public void onZone(java.util.function.Consumer<String> listener) {
		this.zoneListeners.add(listener);
		this.zones.forEach(listener);
	}

	private void zoneSeen(String zone) {
		if (zone != null && this.zones.add(zone)) {
			this.zoneListeners.forEach((listener) -> listener.accept(zone));
		}
	}

	/** @return the last lookup that answered, or {@code null} */
	public Resolution lastSuccessfulResolution() {
		return this.lastSuccessfulResolution;
	}

	/** @return ejections so far */
	public long ejections() {
		return this.ejections.get();
	}

	/**
	 * @param health a health
	 * @return how many health check results changed a backend's health to it
	 */
	public long healthTransitions(Health health) {
		return this.healthTransitions.get(health).get();
	}

	/**
	 * Count backends without taking a whole snapshot (for meters read at every scrape).
	 * @param condition which backends count
	 * @return how many do
	 */
	public long countBackends(Predicate<BackendSnapshot> condition) {
		return this.backends.values().stream().map(Backend::snapshot).filter(condition).count();
	}

	/** @return the client as it is now */
	public Snapshot snapshot() {
		List<BackendSnapshot> list = new ArrayList<>();
		for (Backend backend : this.backends.values()) {
			list.add(backend.snapshot());
		}
		list.sort(Comparator.comparing(BackendSnapshot::address));
		Map<Health, Long> transitions = new EnumMap<>(Health.class);
		this.healthTransitions.forEach((health, count) -> transitions.put(health, count.get()));
		return new Snapshot(this.name, this.settings, this.target, this.policy, this.pooled, this.healthChecked,
				this.channelState, this.lastResolution, this.lastSuccessfulResolution, this.nextResolution,
				List.copyOf(list), this.ejections.get(), transitions);
	}

	/** One backend's state. Written from the synchronization context only; fields are volatile for readers. */
	final class Backend {

		private volatile String address;

		private volatile ConnectivityState state = ConnectivityState.IDLE;

		private volatile String stateDetail;

		private volatile Health health;

		private volatile String healthDetail;

		private volatile boolean ejected;

		private volatile Instant ejectedSince;

		private volatile long ejections;

		private final Instant since;

		private volatile Instant lastChange;

		private volatile String zone;

		Backend(List<EquivalentAddressGroup> groups) {
			this.since = ClientView.this.clock.instant();
			this.lastChange = this.since;
			this.health = ClientView.this.healthChecked ? Health.NOT_CHECKED : Health.NOT_CONFIGURED;
			addresses(groups);
		}

		void addresses(List<EquivalentAddressGroup> groups) {
			List<String> all = new ArrayList<>();
			String groupZone = null;
			for (EquivalentAddressGroup group : groups) {
				group.getAddresses().forEach((address) -> all.add(BackendAddress.of(address)));
				if (groupZone == null) {
					groupZone = group.getAttributes().get(KubernetesNameResolver.ZONE);
				}
			}
			this.address = String.join(",", all);
			this.zone = groupZone;
			zoneSeen(groupZone);
			changed();
		}

		void state(ConnectivityState state, String detail) {
			this.state = state;
			this.stateDetail = detail;
			if (state != ConnectivityState.READY && ClientView.this.healthChecked) {
				// grpc-java stops the health check without a word when the connection is lost.
				this.health = Health.NOT_CHECKED;
			}
			changed();
			checkRefusedEverywhere();
		}

		void ejected(boolean ejected) {
			if (ejected && !this.ejected) {
				this.ejectedSince = ClientView.this.clock.instant();
				this.ejections++;
				ClientView.this.ejections.incrementAndGet();
				if (ClientView.this.healthChecked) {
					this.health = Health.NOT_CHECKED;
				}
			}
			else if (!ejected) {
				this.ejectedSince = null;
			}
			this.ejected = ejected;
			changed();
		}

		void health(Health health, String detail) {
			if (health != this.health && health != Health.CHECKING && health != Health.NOT_CHECKED) {
				ClientView.this.healthTransitions.get(health).incrementAndGet();
			}
			this.health = health;
			this.healthDetail = detail;
			changed();
		}

		private void changed() {
			this.lastChange = ClientView.this.clock.instant();
		}

		BackendSnapshot snapshot() {
			return new BackendSnapshot(this.address, this.state, this.stateDetail, this.health, this.healthDetail,
					this.ejected, this.ejectedSince, this.ejections, this.since, this.lastChange, this.zone);
		}

	}

}
