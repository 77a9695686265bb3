package io.github.grpclb.test.kubernetes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceFluent;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;

/**
 * A Kubernetes API server for tests: fabric8's mock server in CRUD mode (a real HTTP server that stores what is
 * written and serves list and watch, label selectors included), behind a relay that can make it unreachable, with
 * switches for what the mock cannot do by itself: answer 403 as RBAC would, and answer a watch with 410 Gone (the
 * mock ignores resource versions, so a resumed watch would never report deletions made meanwhile).
 * <p>
 * Slices are written with create/update/delete, never with JSON merge patch (the mock appends to lists there).
 */
public final class KubernetesApi implements AutoCloseable {

	/** The namespace of the test Services. */
	public static final String NAMESPACE = "shop";

	private static final String FORBIDDEN = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
			+ "\"status\":\"Failure\",\"message\":\"endpointslices.discovery.k8s.io is forbidden: User "
			+ "\\\"system:serviceaccount:shop:gateway\\\" cannot list resource \\\"endpointslices\\\" in API group "
			+ "\\\"discovery.k8s.io\\\" in the namespace \\\"shop\\\"\",\"reason\":\"Forbidden\",\"details\":"
			+ "{\"group\":\"discovery.k8s.io\",\"kind\":\"endpointslices\"},\"code\":403}";

	private static final String GONE = "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\","
			+ "\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old resource version\","
			+ "\"reason\":\"Expired\",\"code\":410}}";

	/** The mock logs every request at INFO through java.util.logging (held here: JUL keeps loggers weakly). */
	private static final java.util.logging.Logger MOCK_LOGGER = quiet("io.fabric8.mockwebserver");

	private final Gate gate = new Gate();

	private final KubernetesMockServer server;

	private final Relay relay;

	private final KubernetesClient writer;

	private final List<KubernetesClient> clients = new CopyOnWriteArrayList<>();

	private KubernetesApi() throws IOException {
		this.server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(),
				new HashMap<>(), this.gate, false);
		this.server.init(InetAddress.getLoopbackAddress(), 0);
		this.relay = new Relay(this.server.getPort());
		this.writer = client("http://127.0.0.1:" + this.server.getPort(), Duration.ofSeconds(1), 3);
	}

	private static java.util.logging.Logger quiet(String name) {
		java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
		logger.setLevel(java.util.logging.Level.WARNING);
		return logger;
	}

	/**
	 * Start an API server.
	 * @return the running server
	 */
	public static KubernetesApi start() {
		try {
			return new KubernetesApi();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** @return the API server's URL (through the relay) */
	public String url() {
		return "http://127.0.0.1:" + this.relay.port();
	}

	/**
	 * A client for the code under test: through the relay, namespace {@value #NAMESPACE}, reconnecting after 200 ms,
	 * no request retries (failures show at once). Closed with this server.
	 * @return the client
	 */
	public KubernetesClient newClient() {
		return client(url(), Duration.ofMillis(200), 0);
	}

	private KubernetesClient client(String url, Duration reconnect, int retries) {
		Config config = new ConfigBuilder(Config.empty())
			.withMasterUrl(url)
			.withNamespace(NAMESPACE)
			.withHttp2Disable(true)
			.withWatchReconnectInterval((int) reconnect.toMillis())
			.withRequestRetryBackoffLimit(retries)
			.build();
		KubernetesClient client = new KubernetesClientBuilder().withConfig(config)
			.withHttpClientFactory(new JdkHttpClientFactory())
			.build();
		this.clients.add(client);
		return client;
	}

	/**
	 * Create or replace a slice (never a merge patch).
	 * @param slice the slice, in namespace {@value #NAMESPACE}
	 */
	public void apply(EndpointSlice slice) {
		boolean exists = this.writer.discovery().v1().endpointSlices().inNamespace(NAMESPACE)
			.withName(slice.getMetadata().getName()).get() != null;
		slice.getMetadata().setResourceVersion(null);
		if (exists) {
			this.writer.resource(slice).update();
		}
		else {
			this.writer.resource(slice).create();
		}
	}

	/**
	 * Create a Node.
	 * @param name its name
	 * @param zone its {@code topology.kubernetes.io/zone} label, or {@code null} for none
	 */
	public void node(String name, String zone) {
		io.fabric8.kubernetes.api.model.NodeBuilder node = new io.fabric8.kubernetes.api.model.NodeBuilder();
		var metadata = node.withNewMetadata().withName(name);
		if (zone != null) {
			metadata.addToLabels("topology.kubernetes.io/zone", zone);
		}
		this.writer.resource(metadata.endMetadata().build()).create();
	}

	/**
	 * Delete a slice.
	 * @param name its name
	 */
	public void delete(String name) {
		this.writer.discovery().v1().endpointSlices().inNamespace(NAMESPACE).withName(name).delete();
	}

	/**
	 * Answer every EndpointSlice list and watch with 403 Forbidden, as the API server does without the Role rule.
	 * @param forbidden whether to
	 */
	public void forbidden(boolean forbidden) {
		this.gate.forbidden = forbidden;
	}

	/**
	 * Answer the next watch requests with an in-stream 410 Gone (the watch cache no longer has the client's
	 * resource version): the client lists again.
	 * @param watches how many
	 */
	public void goneForNextWatches(int watches) {
		this.gate.goneWatches.set(watches);
	}

	/**
	 * Answer the next watch requests with a watch that stays open and never sends an event: what a client sees
	 * when the connection of its watch died without it noticing.
	 * @param watches how many
	 */
	public void silentForNextWatches(int watches) {
		this.gate.silentWatches.set(watches);
	}

	/** The API server goes away: connections reset, new ones refused. */
	public void cut() {
		this.relay.cut();
	}

	/** The API server comes back at the same address. */
	public void restore() {
		try {
			this.relay.restore();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** @return how many EndpointSlice list requests (not watches) the server got */
	public long lists() {
		return this.gate.requests.stream().filter((r) -> !r.contains("watch=true")).count();
	}

	/** @return how many EndpointSlice watch requests the server got */
	public long watches() {
		return this.gate.requests.stream().filter((r) -> r.contains("watch=true")).count();
	}

	@Override
	public void close() {
		this.clients.forEach(KubernetesClient::close);
		this.relay.close();
		try {
			this.server.destroy();
		}
		catch (IllegalStateException ex) {
			// kubernetes-server-mock 7.9.0: when a watch closes, the mock's WatchEventsListener waits up to a minute
			// for its own executor on the Vert.x event loop (onClosed/onFailure), which that executor may need:
			// "Unable to close MockWebServer" after 10 s. The mock's threads end by themselves when the wait times
			// out; nothing of the code under test is involved (its channels and watches are closed before this).
			System.err.println("KubernetesApi: the mock API server did not stop within 10 s (" + ex.getMessage()
					+ "); its event loop ends by itself");
		}
	}

	/**
	 * A slice of a Service, as the EndpointSlice controller writes it.
	 * @param name the slice's name
	 * @param service the Service
	 * @param ports port name to pod port ({@code ""} for an unnamed port)
	 * @param endpoints the endpoints
	 * @return the slice
	 */
	public static EndpointSlice slice(String name, String service, Map<String, Integer> ports,
			Endpoint... endpoints) {
		EndpointSliceFluent<EndpointSliceBuilder>.MetadataNested<EndpointSliceBuilder> metadata =
				new EndpointSliceBuilder().withNewMetadata();
		EndpointSliceBuilder builder = metadata.withName(name)
			.withNamespace(NAMESPACE)
			.addToLabels("kubernetes.io/service-name", service)
			.addToLabels("endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io")
			.endMetadata()
			.withAddressType("IPv4")
			.withEndpoints(endpoints);
		ports.forEach((portName, port) -> builder.addNewPort()
			.withName(portName.isEmpty() ? null : portName)
			.withPort(port)
			.withProtocol("TCP")
			.endPort());
		return builder.build();
	}

	/**
	 * A ready endpoint.
	 * @param ip its address
	 * @param zone its zone, or {@code null}
	 * @return the endpoint
	 */
	public static Endpoint ready(String ip, String zone) {
		return endpoint(ip, true, true, false, zone);
	}

	/**
	 * A ready endpoint with the EndpointSlice controller's zone hints (Services with a traffic distribution).
	 * @param ip its address
	 * @param zone its zone
	 * @param forZones the zones that should use it
	 * @return the endpoint
	 */
	public static Endpoint hinted(String ip, String zone, String... forZones) {
		Endpoint endpoint = ready(ip, zone);
		io.fabric8.kubernetes.api.model.discovery.v1.EndpointHints hints =
				new io.fabric8.kubernetes.api.model.discovery.v1.EndpointHints();
		for (String forZone : forZones) {
			hints.getForZones().add(new io.fabric8.kubernetes.api.model.discovery.v1.ForZone(forZone));
		}
		endpoint.setHints(hints);
		return endpoint;
	}

	/**
	 * An endpoint with the given conditions ({@code null} leaves one unset).
	 * @param ip its address
	 * @param ready the ready condition
	 * @param serving the serving condition
	 * @param terminating the terminating condition
	 * @param zone its zone, or {@code null}
	 * @return the endpoint
	 */
	public static Endpoint endpoint(String ip, Boolean ready, Boolean serving, Boolean terminating, String zone) {
		return new EndpointBuilder().withAddresses(ip)
			.withNewConditions().withReady(ready).withServing(serving).withTerminating(terminating).endConditions()
			.withZone(zone)
			.withNewTargetRef().withKind("Pod").withName("pod-" + ip.replace('.', '-')).endTargetRef()
			.build();
	}

	/** The CRUD dispatcher behind the 403 and 410 switches, recording the EndpointSlice requests. */
	private static final class Gate extends Dispatcher {

		private final KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher();

		private final List<String> requests = new CopyOnWriteArrayList<>();

		private final AtomicInteger goneWatches = new AtomicInteger();

		private final AtomicInteger silentWatches = new AtomicInteger();

		private volatile boolean forbidden;

		@Override
		public MockResponse dispatch(RecordedRequest request) {
			// Lists and watches by label (what the code under test sends); the test's own reads and writes go by
			// name and are neither recorded nor refused.
			boolean slices = request.getPath().contains("/endpointslices")
					&& request.getPath().contains("labelSelector=") && request.getMethod().equals("GET");
			if (slices) {
				this.requests.add(request.getMethod() + " " + request.getPath());
			}
			if (this.forbidden && slices) {
				return new MockResponse().setResponseCode(403).setBody(FORBIDDEN);
			}
			if (slices && request.getPath().contains("watch=true")
					&& this.goneWatches.getAndUpdate((n) -> Math.max(0, n - 1)) > 0) {
				return new MockResponse().withWebSocketUpgrade(new WebSocketListener() {
					@Override
					public void onOpen(WebSocket webSocket, Response response) {
						webSocket.send(GONE);
						webSocket.close(1000, "");
					}
				});
			}
			if (slices && request.getPath().contains("watch=true")
					&& this.silentWatches.getAndUpdate((n) -> Math.max(0, n - 1)) > 0) {
				return new MockResponse().withWebSocketUpgrade(new WebSocketListener() {
				});
			}
			return this.crud.dispatch(request);
		}

		@Override
		public void shutdown() {
			this.crud.shutdown();
		}

		@Override
		public void releaseResources() {
			this.crud.releaseResources();
		}

	}

}
