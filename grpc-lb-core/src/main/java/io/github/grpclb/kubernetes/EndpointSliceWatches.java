package io.github.grpclb.kubernetes;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.ForZone;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.github.grpclb.channel.EndpointSource;
import io.github.grpclb.channel.ServiceEndpoints;

/**
 * The {@link EndpointSource} on fabric8's Kubernetes client: one informer (list, then watch) of a Service's
 * EndpointSlices per Service, shared by every channel that targets it, started by the first subscriber and stopped
 * with the last. It needs {@code get}, {@code list} and {@code watch} on {@code endpointslices} (API group
 * {@code discovery.k8s.io}) in the Service's namespace.
 * <p>
 * Failures: fabric8 reconnects a broken watch and retries a failed list by itself (1 s, doubling to 32 s). This
 * class keeps the last complete list meanwhile, says what is wrong in each snapshot ({@link ServiceEndpoints#problem()}:
 * forbidden with the Role rule to add, API server unreachable, watch down) and logs it once per change of state.
 * A timer checks every second that each watch is open (fabric8 reconnects watches without telling anyone), compares
 * it with a list now and then (a watch can die unnoticed) and hands out the latest snapshot again every
 * {@link Timing#heartbeat() heartbeat}, so that consumers can tell a quiet Service from a stale one.
 * <p>
 * The Kubernetes client is built on first use: from the kubeconfig when there is one, else from the pod's service
 * account (in-cluster), with fabric8's JDK HTTP client when it is on the class path. A client passed in is used as it
 * is and not closed.
 */
public final class EndpointSliceWatches implements EndpointSource {

	/** The label of a Node (and, from Kubernetes 1.35, of a Pod) that names its zone. */
	public static final String ZONE_LABEL = "topology.kubernetes.io/zone";

	/** The label the EndpointSlice controller puts on every slice of a Service. */
	public static final String SERVICE_LABEL = "kubernetes.io/service-name";

	/** While a watch stays down, how often its cause is looked at again. */
	private static final Duration DIAGNOSE_EVERY = Duration.ofSeconds(10);

	private static final Logger logger = LoggerFactory.getLogger(EndpointSliceWatches.class);

	private final Supplier<KubernetesClient> clientSupplier;

	private final boolean ownsClient;

	private final Timing timing;

	private final LongSupplier ticker;

	private final Supplier<String> nodeName;

	private volatile String nodeZone;

	private boolean zoneLookupStarted;

	private final Map<String, Watch> watches = new HashMap<>();

	private KubernetesClient client;

	private ScheduledExecutorService timer;

	private boolean closed;

	/** Watches with a client of their own, built on first use (kubeconfig or service account). */
	public EndpointSliceWatches() {
		this(EndpointSliceWatches::defaultClient, true, Timing.DEFAULTS, () -> System.getenv("NODE_NAME"));
	}

	/**
	 * Watches with the application's client (not closed here).
	 * @param client the client
	 */
	public EndpointSliceWatches(KubernetesClient client) {
		this(() -> client, false, Timing.DEFAULTS, () -> System.getenv("NODE_NAME"));
	}

	/**
	 * Watches with the given client, timing and node name.
	 * @param clientSupplier makes the client on first use
	 * @param ownsClient whether {@link #close()} closes the client
	 * @param timing how often watches are checked and audited
	 * @param nodeName the name of the Node the application runs on, or {@code null} ({@link #clientZone()})
	 */
	public EndpointSliceWatches(Supplier<KubernetesClient> clientSupplier, boolean ownsClient, Timing timing,
			Supplier<String> nodeName) {
		this.clientSupplier = Objects.requireNonNull(clientSupplier, "clientSupplier");
		this.ownsClient = ownsClient;
		this.timing = Objects.requireNonNull(timing, "timing");
		this.nodeName = Objects.requireNonNull(nodeName, "nodeName");
		this.ticker = System::nanoTime;
	}

	/**
	 * How the watches are looked after.
	 *
	 * @param check how often each watch is checked (open? time for a heartbeat or an audit?)
	 * @param downAfter how long a watch may stay closed (fabric8 reopens it now and then) before it counts as down
	 * @param heartbeat how often consumers get the latest snapshot again while nothing changes
	 * @param audit how often a watch that looks open is compared with a list of the same slices: a watch whose
	 * connection died without the HTTP client noticing delivers nothing, and fabric8 would only replace it after 5 to
	 * 10 minutes; two differences in a row start it again
	 */
	public record Timing(Duration check, Duration downAfter, Duration heartbeat, Duration audit) {

		/** Every second; down after 3 s; heartbeat every 10 s; audit every minute. */
		public static final Timing DEFAULTS = new Timing(Duration.ofSeconds(1), Duration.ofSeconds(3),
				Duration.ofSeconds(10), Duration.ofMinutes(1));

		public Timing {
			Objects.requireNonNull(check, "check");
			Objects.requireNonNull(downAfter, "downAfter");
			Objects.requireNonNull(heartbeat, "heartbeat");
			Objects.requireNonNull(audit, "audit");
		}

	}

	/**
	 * The client the starter builds when the application has none: fabric8's auto-configuration (kubeconfig, else the
	 * service account; {@code KUBERNETES_*} environment variables and {@code kubernetes.*} system properties apply),
	 * at most 3 retries per request so that an unreachable API server is reported within about a second, and the JDK
	 * HTTP client when it is on the class path.
	 * @return a new client
	 */
	public static KubernetesClient defaultClient() {
		Config config = new ConfigBuilder(Config.autoConfigure(null)).withRequestRetryBackoffLimit(3).build();
		KubernetesClientBuilder builder = new KubernetesClientBuilder().withConfig(config);
		if (jdkHttpClientPresent()) {
			builder.withHttpClientFactory(new io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory());
		}
		return builder.build();
	}

	private static boolean jdkHttpClientPresent() {
		try {
			Class.forName("io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory", false,
					EndpointSliceWatches.class.getClassLoader());
			return true;
		}
		catch (ClassNotFoundException | LinkageError ex) {
			return false;
		}
	}

	private synchronized KubernetesClient client() {
		if (this.client == null) {
			this.client = this.clientSupplier.get();
		}
		return this.client;
	}

	@Override
	public String defaultNamespace() {
		String namespace = client().getNamespace();
		return (namespace != null && !namespace.isBlank()) ? namespace : "default";
	}

	/**
	 * The zone of the Node the application runs on: the {@value #ZONE_LABEL} label of the Node named by the
	 * {@code NODE_NAME} environment variable (set it from the downward API, {@code spec.nodeName}). Reading a Node
	 * needs {@code get} on {@code nodes}, a ClusterRole. The first call starts the lookup; its answer reaches the
	 * watches' consumers with a new snapshot.
	 * @return the zone, or {@code null} while unknown
	 */
	@Override
	public String clientZone() {
		synchronized (this) {
			if (!this.zoneLookupStarted && !this.closed) {
				this.zoneLookupStarted = true;
				startTimer();
				this.timer.execute(this::lookUpZone);
			}
		}
		return this.nodeZone;
	}

	private void lookUpZone() {
		String node = this.nodeName.get();
		if (node == null || node.isBlank()) {
			logger.warn("Kubernetes discovery: prefer-same-zone is on, but the application's zone is unknown: set "
					+ "grpc.lb.defaults.kubernetes.zone (or per client), or a NODE_NAME environment variable (downward "
					+ "API, fieldPath spec.nodeName) with permission to get that Node; calls go to every zone");
			return;
		}
		String zone;
		try {
			io.fabric8.kubernetes.api.model.Node found = client().nodes().withName(node).get();
			zone = (found != null && found.getMetadata().getLabels() != null)
					? found.getMetadata().getLabels().get(ZONE_LABEL) : null;
			if (zone == null) {
				logger.warn("Kubernetes discovery: Node {} {}; prefer-same-zone has no zone to prefer, calls go to every "
						+ "zone", node, (found == null) ? "does not exist" : "has no label " + ZONE_LABEL);
				return;
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Kubernetes discovery: reading the zone of Node {} failed: {}. Set "
					+ "grpc.lb.defaults.kubernetes.zone, or bind a ClusterRole with get on nodes (apiGroups [\"\"]) to the "
					+ "application's service account; calls go to every zone", node,
					describe(ex, masterUrlOf(client()), null));
			return;
		}
		logger.info("Kubernetes discovery: the application runs in zone {} (Node {})", zone, node);
		this.nodeZone = zone;
		List<Watch> all;
		synchronized (this) {
			all = new ArrayList<>(this.watches.values());
		}
		all.forEach(Watch::publish);
	}

	private static String masterUrlOf(KubernetesClient client) {
		try {
			return String.valueOf(client.getMasterUrl());
		}
		catch (RuntimeException ex) {
			return "(unknown)";
		}
	}

	@Override
	public Subscription subscribe(String namespace, String service, String clientName,
			Consumer<ServiceEndpoints> consumer) {
		String ns = (namespace != null) ? namespace : defaultNamespace();
		Watch watch;
		Subscriber subscriber = new Subscriber(clientName, consumer);
		synchronized (this) {
			if (this.closed) {
				consumer.accept(new ServiceEndpoints(ns, service, Long.MAX_VALUE, false,
						"the application is shutting down", 0, List.of()));
				return () -> {
				};
			}
			String key = ns + "/" + service;
			watch = this.watches.get(key);
			if (watch == null) {
				watch = new Watch(client(), ns, service);
				this.watches.put(key, watch);
				watch.start();
			}
			watch.subscribers.add(subscriber);
			startTimer();
		}
		watch.deliverLatest(subscriber);
		Watch subscribed = watch;
		return () -> unsubscribe(subscribed, subscriber);
	}

	private synchronized void unsubscribe(Watch watch, Subscriber subscriber) {
		if (!watch.subscribers.remove(subscriber) || !watch.subscribers.isEmpty()) {
			return;
		}
		this.watches.remove(watch.key(), watch);
		watch.stop();
	}

	/** @return the Services watched now, {@code namespace/name} */
	public synchronized Set<String> watched() {
		return Set.copyOf(this.watches.keySet());
	}

	private void startTimer() {
		if (this.timer != null) {
			return;
		}
		this.timer = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "grpc-lb-endpointslices");
			thread.setDaemon(true);
			return thread;
		});
		long every = Math.max(1, this.timing.check().toMillis());
		this.timer.scheduleWithFixedDelay(this::checkAll, every, every, TimeUnit.MILLISECONDS);
	}

	private void checkAll() {
		List<Watch> all;
		synchronized (this) {
			all = new ArrayList<>(this.watches.values());
		}
		for (Watch watch : all) {
			try {
				watch.check();
			}
			catch (RuntimeException ex) {
				logger.warn("Kubernetes discovery: checking the watch of Service {} failed", watch.key(), ex);
			}
		}
	}

	/** Stops every watch, then the client if it was built here. */
	@Override
	public void close() {
		List<Watch> all;
		ScheduledExecutorService stoppedTimer;
		KubernetesClient ownClient;
		synchronized (this) {
			if (this.closed) {
				return;
			}
			this.closed = true;
			all = new ArrayList<>(this.watches.values());
			this.watches.clear();
			stoppedTimer = this.timer;
			ownClient = this.ownsClient ? this.client : null;
		}
		all.forEach(Watch::stop);
		if (stoppedTimer != null) {
			stoppedTimer.shutdownNow();
		}
		if (ownClient != null) {
			ownClient.close();
		}
	}

	/**
	 * What a failure of the list or the watch means, in words an operator can act on.
	 * @param error what fabric8 reported
	 * @param masterUrl the API server
	 * @param namespace the Service's namespace, or {@code null} when the request was not about EndpointSlices
	 * @return the problem
	 */
	static String describe(Throwable error, String masterUrl, String namespace) {
		Throwable cause = error;
		while ((cause instanceof CompletionException || cause instanceof ExecutionException)
				&& cause.getCause() != null) {
			cause = cause.getCause();
		}
		for (Throwable t = cause; t != null; t = t.getCause()) {
			if (t instanceof KubernetesClientException kce && kce.getCode() > 0) {
				String message = (kce.getStatus() != null && kce.getStatus().getMessage() != null)
						? kce.getStatus().getMessage() : kce.getMessage();
				if (kce.getCode() == 403 && namespace == null) {
					return "forbidden (" + message + ")";
				}
				return switch (kce.getCode()) {
					case 403 -> "forbidden (" + message + "). Grant the application's service account get, list and "
							+ "watch on endpointslices in namespace " + namespace + ": a Role with apiGroups "
							+ "[discovery.k8s.io], resources [endpointslices], verbs [get, list, watch] and a "
							+ "RoleBinding to the service account";
					case 401 -> "unauthorized: the API server " + masterUrl + " refused the credentials (" + message
							+ ")";
					case 404 -> "the API server " + masterUrl + " has no discovery.k8s.io/v1 EndpointSlices "
							+ "(Kubernetes 1.21 or later is needed): " + message;
					default -> "the API server " + masterUrl + " answered " + kce.getCode() + ": " + message;
				};
			}
		}
		for (Throwable t = cause; t != null; t = t.getCause()) {
			if (t instanceof IOException) {
				String message = (t.getMessage() != null) ? t.getMessage() : t.getClass().getSimpleName();
				return "API server " + masterUrl + " unreachable (" + message + ")";
			}
		}
		return String.valueOf(cause);
	}

	private record Subscriber(String clientName, Consumer<ServiceEndpoints> consumer) {
	}

	/** One Service's informer and what its consumers were told. */
	private final class Watch implements ResourceEventHandler<EndpointSlice> {

		private final KubernetesClient client;

		private final String namespace;

		private final String service;

		private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();

		private volatile SharedIndexInformer<EndpointSlice> informer;

		private long sequence;

		private boolean listing;

		private boolean synced;

		/** From the informer's exception handler (list failures). */
		private String listProblem;

		/** Set by the check while the watch stays closed. */
		private String watchProblem;

		private String loggedProblem;

		/** Since when the watch is closed; meaningful while {@link #watchClosed}. */
		private long closedSince;

		private boolean watchClosed;

		private long diagnosedAt;

		private long auditedAt;

		private int staleAudits;

		private long lastDelivery;

		private ServiceEndpoints latest;

		Watch(KubernetesClient client, String namespace, String service) {
			this.client = client;
			this.namespace = namespace;
			this.service = service;
			this.auditedAt = EndpointSliceWatches.this.ticker.getAsLong();
			this.lastDelivery = this.auditedAt;
		}

		String key() {
			return this.namespace + "/" + this.service;
		}

		void start() {
			synchronized (this) {
				// Until the new informer's list is complete, its store is empty or partial: snapshots keep the
				// endpoints published last (see build).
				this.listing = true;
			}
			this.informer = this.client.discovery().v1().endpointSlices()
				.inNamespace(this.namespace)
				.withLabel(SERVICE_LABEL, this.service)
				.runnableInformer(0);
			this.informer.addEventHandler(this);
			// Keep trying, whatever failed: the problem is in every snapshot and in the log until it is fixed.
			this.informer.exceptionHandler((started, error) -> {
				listFailed(error);
				return true;
			});
			this.informer.start();
		}

		void stop() {
			if (this.informer != null) {
				this.informer.stop();
			}
		}

		private String masterUrl() {
			return masterUrlOf(this.client);
		}

		private String clients() {
			return this.subscribers.stream().map(Subscriber::clientName).distinct().sorted()
				.collect(Collectors.joining(", "));
		}

		@Override
		public void onBeforeList(String lastSyncResourceVersion) {
			synchronized (this) {
				this.listing = true;
			}
		}

		@Override
		public void onList(String resourceVersion, boolean remainedEmpty) {
			synchronized (this) {
				this.listing = false;
				this.synced = true;
				this.listProblem = null;
			}
			publish();
		}

		@Override
		public void onAdd(EndpointSlice slice) {
			changed();
		}

		@Override
		public void onUpdate(EndpointSlice oldSlice, EndpointSlice newSlice) {
			changed();
		}

		@Override
		public void onDelete(EndpointSlice slice, boolean deletedFinalStateUnknown) {
			changed();
		}

		private void changed() {
			synchronized (this) {
				// A list delivers its items one by one before onList: publish the whole at once.
				if (this.listing) {
					return;
				}
			}
			publish();
		}

		private void listFailed(Throwable error) {
			synchronized (this) {
				this.listProblem = describe(error, masterUrl(), this.namespace);
			}
			publish();
		}

		/** From the timer: is the watch open? Time for a heartbeat? */
		void check() {
			boolean watching = this.informer.isWatching();
			long now = EndpointSliceWatches.this.ticker.getAsLong();
			boolean diagnose = false;
			boolean publish = false;
			boolean audit = false;
			synchronized (this) {
				if (watching && this.synced && !this.listing
						&& now - this.auditedAt >= EndpointSliceWatches.this.timing.audit().toNanos()) {
					this.auditedAt = now;
					audit = true;
				}
				if (watching) {
					this.watchClosed = false;
					if (this.watchProblem != null) {
						this.watchProblem = null;
						publish = true;
					}
				}
				else if (!this.watchClosed) {
					this.watchClosed = true;
					this.closedSince = now;
				}
				else if (this.synced && now - this.closedSince >= EndpointSliceWatches.this.timing.downAfter().toNanos()
						&& (this.watchProblem == null || now - this.diagnosedAt >= DIAGNOSE_EVERY.toNanos())) {
					diagnose = true;
				}
				if (now - this.lastDelivery >= EndpointSliceWatches.this.timing.heartbeat().toNanos()
						&& this.latest != null) {
					publish = true;
				}
			}
			if (audit) {
				audit();
			}
			if (diagnose) {
				// fabric8 reopens a closed watch by itself and says nothing about why it fails: ask the API server.
				String problem = diagnose();
				synchronized (this) {
					this.diagnosedAt = now;
					if (!problem.equals(this.watchProblem) && !this.informer.isWatching()) {
						this.watchProblem = problem;
						publish = true;
					}
				}
			}
			if (publish) {
				publish();
			}
		}

		/**
		 * Does the informer have what the API server has? A watch whose connection died without the HTTP client
		 * noticing (no pings with fabric8's JDK and Vert.x clients) delivers nothing, so its store falls behind.
		 * Compared by name and resource version; two differences in a row (one can be an event on its way) start
		 * a new informer. The consumers keep the last snapshot meanwhile.
		 */
		private void audit() {
			Map<String, String> listed = new HashMap<>();
			Map<String, String> stored = new HashMap<>();
			try {
				for (EndpointSlice slice : this.client.discovery().v1().endpointSlices()
					.inNamespace(this.namespace)
					.withLabel(SERVICE_LABEL, this.service)
					.list(new ListOptionsBuilder().withResourceVersion("0").build())
					.getItems()) {
					listed.put(slice.getMetadata().getName(), slice.getMetadata().getResourceVersion());
				}
			}
			catch (RuntimeException ex) {
				// Not an answer: the watch check reports an API server that does not answer.
				return;
			}
			for (EndpointSlice slice : this.informer.getStore().list()) {
				stored.put(slice.getMetadata().getName(), slice.getMetadata().getResourceVersion());
			}
			boolean restart;
			synchronized (this) {
				this.staleAudits = listed.equals(stored) ? 0 : this.staleAudits + 1;
				restart = this.staleAudits >= 2;
				if (restart) {
					this.staleAudits = 0;
				}
			}
			if (restart) {
				logger.atWarn()
					.addKeyValue("service", key())
					.log("Kubernetes discovery: the watch of the EndpointSlices of Service {} stopped delivering changes "
							+ "(the API server lists {}, the watch has {}); starting it again", key(), listed.keySet(),
							stored.keySet());
				SharedIndexInformer<EndpointSlice> stale = this.informer;
				start();
				stale.stop();
			}
		}

		/** Why the watch stays closed: what a one-item list of the same slices answers. */
		private String diagnose() {
			try {
				this.client.discovery().v1().endpointSlices()
					.inNamespace(this.namespace)
					.withLabel(SERVICE_LABEL, this.service)
					.list(new ListOptionsBuilder().withLimit(1L).build());
				return "the watch is down (listing works; the API server " + masterUrl() + " does not keep the "
						+ "watch open); reconnecting with backoff";
			}
			catch (RuntimeException ex) {
				return describe(ex, masterUrl(), this.namespace) + "; the watch is down, reconnecting with backoff";
			}
		}

		private String problem() {
			return (this.listProblem != null) ? this.listProblem : this.watchProblem;
		}

		void publish() {
			ServiceEndpoints snapshot;
			synchronized (this) {
				snapshot = build(++this.sequence);
				this.latest = snapshot;
				this.lastDelivery = EndpointSliceWatches.this.ticker.getAsLong();
				logStateChange(snapshot);
			}
			for (Subscriber subscriber : this.subscribers) {
				deliver(subscriber, snapshot);
			}
		}

		void deliverLatest(Subscriber subscriber) {
			ServiceEndpoints snapshot;
			synchronized (this) {
				snapshot = this.latest;
			}
			if (snapshot != null) {
				deliver(subscriber, snapshot);
			}
		}

		private void deliver(Subscriber subscriber, ServiceEndpoints snapshot) {
			try {
				subscriber.consumer().accept(snapshot);
			}
			catch (RuntimeException ex) {
				logger.warn("Kubernetes discovery: gRPC client '{}' failed to take the endpoints of Service {}",
						subscriber.clientName(), key(), ex);
			}
		}

		private void logStateChange(ServiceEndpoints snapshot) {
			String problem = snapshot.problem();
			if (java.util.Objects.equals(problem, this.loggedProblem)) {
				return;
			}
			if (problem != null) {
				logger.atWarn()
					.addKeyValue("service", key())
					.log("Kubernetes discovery: watching the EndpointSlices of Service {} (gRPC clients: {}): {}; {} "
							+ "(logged once until it recovers)", key(), clients(), problem,
							this.synced ? "keeping the last " + snapshot.endpoints().size() + " endpoint(s)"
									: "no endpoints yet");
			}
			else {
				logger.atInfo()
					.addKeyValue("service", key())
					.log("Kubernetes discovery: watching the EndpointSlices of Service {} works again", key());
			}
			this.loggedProblem = problem;
		}

		private ServiceEndpoints build(long sequence) {
			if (this.listing && this.latest != null) {
				// A list in progress (a new informer, or a list again after 410 Gone): what was published last holds.
				return new ServiceEndpoints(this.namespace, this.service, sequence, this.latest.synced(), problem(),
						this.latest.slices(), this.latest.endpoints());
			}
			List<EndpointSlice> slices = this.synced ? this.informer.getStore().list() : List.of();
			List<ServiceEndpoints.Endpoint> endpoints = new ArrayList<>();
			for (EndpointSlice slice : slices) {
				Map<String, Integer> ports = new LinkedHashMap<>();
				if (slice.getPorts() != null) {
					for (EndpointPort port : slice.getPorts()) {
						if (port.getPort() != null && (port.getProtocol() == null || "TCP".equals(port.getProtocol()))) {
							ports.putIfAbsent((port.getName() != null) ? port.getName() : "", port.getPort());
						}
					}
				}
				if (slice.getEndpoints() == null || "FQDN".equals(slice.getAddressType())) {
					continue;
				}
				for (Endpoint endpoint : slice.getEndpoints()) {
					EndpointConditions conditions = endpoint.getConditions();
					boolean ready = conditions == null || conditions.getReady() == null || conditions.getReady();
					boolean serving = conditions == null || conditions.getServing() == null || conditions.getServing();
					boolean terminating = conditions != null && Boolean.TRUE.equals(conditions.getTerminating());
					Set<String> forZones = (endpoint.getHints() == null || endpoint.getHints().getForZones() == null)
							? Set.of()
							: endpoint.getHints().getForZones().stream().map(ForZone::getName)
								.filter(Objects::nonNull).collect(Collectors.toSet());
					String pod = (endpoint.getTargetRef() != null) ? endpoint.getTargetRef().getName() : null;
					if (endpoint.getAddresses() == null) {
						continue;
					}
					for (String address : endpoint.getAddresses()) {
						endpoints.add(new ServiceEndpoints.Endpoint(address, ports, ready, serving, terminating,
								endpoint.getZone(), forZones, pod));
					}
				}
			}
			return new ServiceEndpoints(this.namespace, this.service, sequence, this.synced, problem(), slices.size(),
					endpoints);
		}

	}

}
