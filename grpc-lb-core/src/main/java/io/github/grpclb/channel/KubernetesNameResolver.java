package io.github.grpclb.channel;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.net.InetAddresses;

import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.StatusOr;
import io.grpc.SynchronizationContext;

/**
 * The resolver of a {@code kubernetes:} target: follows the Service's endpoints as its {@link EndpointSource} pushes
 * them (nothing is polled) and publishes the ready ones that have the target's port:
 * <ul>
 * <li>only endpoints that are {@code ready} and not {@code terminating}: a pod that starts terminating or fails its
 * readiness probe leaves rotation with the next snapshot (its calls in flight finish);</li>
 * <li>with {@code prefer-same-zone}, only those in the client's zone while there are at least
 * {@code min-same-zone-endpoints} of them (the EndpointSlice controller's zone hints win when every endpoint has
 * them), else all;</li>
 * <li>the load balancer hears only of changes, each new set in random order; no ready endpoint at all is published
 * as an empty list with the reason ({@link NoBackends}), so connections close and calls fail naming the Service;</li>
 * <li>while the watch has a problem after it had a complete list, the last endpoints stay (the source keeps them);
 * before that, the channel gets the problem as an error.</li>
 * </ul>
 * All state is confined to the channel's synchronization context.
 */
final class KubernetesNameResolver extends NameResolver {

	/** The endpoint's zone, on each address group (for views; it never changes how calls are balanced). */
	static final Attributes.Key<String> ZONE = Attributes.Key.create("io.github.grpclb.kubernetes.zone");

	private static final Logger logger = LoggerFactory.getLogger(KubernetesNameResolver.class);

	private final String clientName;

	private final Target.KubernetesService target;

	private final ResolverSettings.KubernetesSettings settings;

	private final EndpointSource source;

	private final SynchronizationContext syncContext;

	private final Random random;

	private final ResolutionListener resolutionListener;

	private final String namespace;

	private Listener2 listener;

	private EndpointSource.Subscription subscription;

	private boolean shutdown;

	private long lastSequence = -1;

	/** What the load balancer has now: {@code null} before the first publication, empty for "no backend". */
	private Map<InetSocketAddress, String> current;

	private String emptyReason;

	private String watchProblem;

	private boolean portWarned;

	private Boolean zoneSpilling;

	KubernetesNameResolver(String clientName, Target.KubernetesService target,
			ResolverSettings.KubernetesSettings settings, EndpointSource source, SynchronizationContext syncContext,
			Random random, ResolutionListener resolutionListener) {
		this.clientName = Objects.requireNonNull(clientName, "clientName");
		this.target = Objects.requireNonNull(target, "target");
		this.settings = Objects.requireNonNull(settings, "settings");
		this.source = Objects.requireNonNull(source, "source");
		this.syncContext = Objects.requireNonNull(syncContext, "syncContext");
		this.random = Objects.requireNonNull(random, "random");
		this.resolutionListener = Objects.requireNonNull(resolutionListener, "resolutionListener");
		this.namespace = (target.namespace() != null) ? target.namespace() : defaultNamespace(clientName, source);
	}

	private static String defaultNamespace(String clientName, EndpointSource source) {
		try {
			return source.defaultNamespace();
		}
		catch (RuntimeException ex) {
			throw new IllegalArgumentException("the Kubernetes client cannot tell the application's namespace ("
					+ ex.getMessage() + "); name the namespace in the target, e.g. kubernetes:///orders.shop:grpc", ex);
		}
	}

	@Override
	public String getServiceAuthority() {
		return this.target.authority(this.namespace);
	}

	@Override
	public void start(Listener2 listener) {
		this.listener = Objects.requireNonNull(listener, "listener");
		try {
			this.subscription = this.source.subscribe(this.namespace, this.target.name(), this.clientName,
					(snapshot) -> this.syncContext.execute(() -> onSnapshot(snapshot)));
		}
		catch (RuntimeException ex) {
			// Typically a Kubernetes client that cannot be built (a broken kubeconfig): the channel must not panic.
			String problem = "cannot watch the EndpointSlices of Service " + serviceName() + ": " + ex;
			logger.atWarn()
				.addKeyValue("client", this.clientName)
				.log("gRPC client '{}': {}", this.clientName, problem);
			this.resolutionListener.failed(this.clientName, problem, false);
			listener.onError(Status.UNAVAILABLE.withDescription("gRPC client '" + this.clientName + "': " + problem)
				.withCause(ex));
		}
	}

	/** Nothing to do: the watch pushes every change. */
	@Override
	public void refresh() {
	}

	@Override
	public void shutdown() {
		if (this.shutdown) {
			return;
		}
		this.shutdown = true;
		if (this.subscription != null) {
			this.subscription.cancel();
		}
	}

	private String serviceName() {
		return this.namespace + "/" + this.target.name();
	}

	void onSnapshot(ServiceEndpoints snapshot) {
		if (this.shutdown || snapshot.sequence() <= this.lastSequence) {
			return;
		}
		this.lastSequence = snapshot.sequence();
		String problem = snapshot.problem();
		boolean newProblem = problem != null && !problem.equals(this.watchProblem);
		this.watchProblem = problem;
		if (!snapshot.synced()) {
			if (newProblem && this.current == null) {
				this.resolutionListener.failed(this.clientName, problem, false);
				this.listener.onError(Status.UNAVAILABLE.withDescription("gRPC client '" + this.clientName
						+ "': watching the EndpointSlices of Service " + serviceName() + ": " + problem));
			}
			return;
		}
		if (problem != null) {
			// The source keeps the last endpoints it knew: nothing changes for the balancer.
			if (newProblem) {
				this.resolutionListener.failed(this.clientName, problem, this.current != null && !this.current.isEmpty());
			}
			return;
		}
		Selection selection = select(snapshot);
		if (selection.chosen().isEmpty()) {
			publishEmpty(selection.reason());
			return;
		}
		this.emptyReason = null;
		boolean changed = !selection.chosen().equals(this.current);
		if (changed) {
			List<InetSocketAddress> shuffled = new ArrayList<>(selection.chosen().keySet());
			Collections.shuffle(shuffled, this.random);
			logger.atInfo()
				.addKeyValue("client", this.clientName)
				.addKeyValue("service", serviceName())
				.log("gRPC client '{}': Service {} now has {} ready endpoint(s) in rotation {}{}", this.clientName,
						serviceName(), shuffled.size(), selection.chosen().keySet(), selection.note());
			this.current = selection.chosen();
			List<EquivalentAddressGroup> groups = new ArrayList<>();
			for (InetSocketAddress address : shuffled) {
				String zone = this.current.get(address);
				Attributes attributes = zone.isEmpty() ? Attributes.EMPTY
						: Attributes.newBuilder().set(ZONE, zone).build();
				groups.add(new EquivalentAddressGroup(address, attributes));
			}
			this.listener.onResult2(
					ResolutionResult.newBuilder().setAddressesOrError(StatusOr.fromValue(groups)).build());
		}
		this.resolutionListener.resolved(this.clientName, List.copyOf(this.current.keySet()), changed);
	}

	private void publishEmpty(String reason) {
		boolean changed = this.current == null || !this.current.isEmpty() || !reason.equals(this.emptyReason);
		if (changed) {
			logger.atWarn()
				.addKeyValue("client", this.clientName)
				.addKeyValue("service", serviceName())
				.log("gRPC client '{}': {}; calls fail until an endpoint is ready", this.clientName, reason);
			this.current = Map.of();
			this.emptyReason = reason;
			Status status = Status.UNAVAILABLE.withDescription("gRPC client '" + this.clientName + "': " + reason);
			this.listener.onResult2(ResolutionResult.newBuilder()
				.setAddressesOrError(StatusOr.fromValue(List.of()))
				.setAttributes(Attributes.newBuilder().set(NoBackends.STATUS, status).build())
				.build());
			this.resolutionListener.failed(this.clientName, reason, false);
		}
	}

	/** The endpoints to publish, address to zone ({@code ""} when unknown), or why there is none. */
	private record Selection(Map<InetSocketAddress, String> chosen, String reason, String note) {
	}

	private Selection select(ServiceEndpoints snapshot) {
		String service = "Service " + serviceName();
		if (snapshot.endpoints().isEmpty()) {
			return new Selection(Map.of(), (snapshot.slices() == 0)
					? service + " has no EndpointSlices: does it exist in namespace " + this.namespace
							+ ", with a selector?"
					: service + " has no endpoints (no pod matches its selector)", "");
		}
		Set<String> portNames = new TreeSet<>();
		Set<Integer> portNumbers = new TreeSet<>();
		snapshot.endpoints().forEach((e) -> {
			portNames.addAll(e.ports().keySet());
			portNumbers.addAll(e.ports().values());
		});
		String portName = this.target.portName();
		if (portName == null && this.target.port() < 0) {
			if (portNames.size() != 1) {
				return new Selection(Map.of(), service + " has " + portNames.size() + " ports " + portNames
						+ ": name one in the target, e.g. kubernetes:///" + this.target.name() + "." + this.namespace
						+ ":<port name>", "");
			}
			portName = portNames.iterator().next();
		}
		if (this.target.port() > 0 && !portNumbers.isEmpty() && !portNumbers.contains(this.target.port())
				&& !this.portWarned) {
			this.portWarned = true;
			logger.atWarn()
				.addKeyValue("client", this.clientName)
				.log("gRPC client '{}': port {} is not a port of the endpoints of {} (they have {}); calls go to "
						+ "port {} as configured. Use the pod port or a port name, e.g. kubernetes:///{}.{}:{}",
						this.clientName, this.target.port(), service, portNumbers, this.target.port(),
						this.target.name(), this.namespace, portNames.isEmpty() ? "grpc" : portNames.iterator().next());
		}
		Map<InetSocketAddress, ServiceEndpoints.Endpoint> ready = new LinkedHashMap<>();
		int notReady = 0;
		int terminating = 0;
		int withoutPort = 0;
		for (ServiceEndpoints.Endpoint endpoint : snapshot.endpoints()) {
			Integer port = (portName != null) ? endpoint.ports().get(portName) : Integer.valueOf(this.target.port());
			if (port == null || port < 1 || port > 65535) {
				withoutPort++;
				continue;
			}
			if (endpoint.terminating()) {
				terminating++;
				continue;
			}
			if (!endpoint.ready()) {
				notReady++;
				continue;
			}
			InetSocketAddress address = socketAddress(endpoint.address(), port);
			if (address != null) {
				ready.putIfAbsent(address, endpoint);
			}
		}
		if (ready.isEmpty()) {
			if (withoutPort == snapshot.endpoints().size()) {
				return new Selection(Map.of(), service + " has no port named " + portName + " (its ports: "
						+ String.join(", ", portNames) + ")", "");
			}
			return new Selection(Map.of(), service + " has no ready endpoint (" + notReady + " not ready, "
					+ terminating + " terminating)", "");
		}
		return preferZone(ready);
	}

	private Selection preferZone(Map<InetSocketAddress, ServiceEndpoints.Endpoint> ready) {
		Map<InetSocketAddress, String> all = new LinkedHashMap<>();
		ready.forEach((address, endpoint) -> all.put(address, (endpoint.zone() != null) ? endpoint.zone() : ""));
		if (!this.settings.preferSameZone()) {
			return new Selection(all, null, "");
		}
		String zone = (this.settings.zone() != null) ? this.settings.zone() : this.source.clientZone();
		if (zone == null) {
			return new Selection(all, null, " (all zones: the client's zone is not known)");
		}
		boolean hinted = ready.values().stream().allMatch((endpoint) -> !endpoint.forZones().isEmpty());
		Map<InetSocketAddress, String> local = new LinkedHashMap<>();
		ready.forEach((address, endpoint) -> {
			if (hinted ? endpoint.forZones().contains(zone) : zone.equals(endpoint.zone())) {
				local.put(address, all.get(address));
			}
		});
		boolean spill = local.size() < this.settings.minSameZoneEndpoints();
		if (this.zoneSpilling == null || this.zoneSpilling != spill) {
			this.zoneSpilling = spill;
			logger.atInfo()
				.addKeyValue("client", this.clientName)
				.log(spill ? "gRPC client '{}': {} ready endpoint(s) of {} in zone {} ({} needed): calls go to every "
						+ "zone" : "gRPC client '{}': {} ready endpoint(s) of {} in zone {} (at least {}): calls stay "
						+ "in the zone", this.clientName, local.size(), serviceName(), zone,
						this.settings.minSameZoneEndpoints());
		}
		if (spill) {
			return new Selection(all, null, " (all zones: " + local.size() + " in " + zone + ")");
		}
		return new Selection(local, null, " (zone " + zone + (hinted ? ", by the EndpointSlices' hints)" : ")"));
	}

	private static InetSocketAddress socketAddress(String ip, int port) {
		if (!InetAddresses.isInetAddress(ip)) {
			return null;
		}
		InetAddress address = InetAddresses.forString(ip);
		return new InetSocketAddress(address, port);
	}

}
