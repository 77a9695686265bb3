package probe;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

/**
 * The CRUD dispatcher, with a switch that answers every endpointslices request with 403 Forbidden as a real API
 * server does when the service account's Role lacks the rule (RBAC revoked / never granted).
 */
final class GateDispatcher extends Dispatcher {

	static final String FORBIDDEN_BODY = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
			+ "\"message\":\"endpointslices.discovery.k8s.io is forbidden: User \\\"system:serviceaccount:shop:gateway\\\" "
			+ "cannot list resource \\\"endpointslices\\\" in API group \\\"discovery.k8s.io\\\" in the namespace \\\"shop\\\"\","
			+ "\"reason\":\"Forbidden\",\"details\":{\"group\":\"discovery.k8s.io\",\"kind\":\"endpointslices\"},\"code\":403}";

	final KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher();

	volatile boolean forbidden;

	/** The next this-many watch requests get what a real API server sends for a too-old resourceVersion. */
	final java.util.concurrent.atomic.AtomicInteger goneWatches = new java.util.concurrent.atomic.AtomicInteger();

	static final String GONE_EVENT = "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\","
			+ "\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old resource version: 2 (9)\","
			+ "\"reason\":\"Expired\",\"code\":410}}";

	final java.util.List<String> paths = new java.util.concurrent.CopyOnWriteArrayList<>();

	@Override
	public MockResponse dispatch(RecordedRequest request) {
		this.paths.add(request.getMethod() + " " + request.getPath());
		if (this.forbidden && request.getPath().contains("/endpointslices")) {
			Probe.log("  mock: 403 for %s %s", request.getMethod(), request.getPath());
			return new MockResponse().setResponseCode(403).setBody(FORBIDDEN_BODY);
		}
		if (request.getPath().contains("watch=true") && this.goneWatches.getAndUpdate((n) -> Math.max(0, n - 1)) > 0) {
			Probe.log("  mock: watch answered with ERROR 410 Expired: %s", request.getPath());
			return new MockResponse().withWebSocketUpgrade(new io.fabric8.mockwebserver.http.WebSocketListener() {
				@Override
				public void onOpen(io.fabric8.mockwebserver.http.WebSocket webSocket,
						io.fabric8.mockwebserver.http.Response response) {
					webSocket.send(GONE_EVENT);
					webSocket.close(1000, "");
				}
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
