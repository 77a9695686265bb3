package io.github.grpclb.channel;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What the Kubernetes API says about one Service's endpoints at one moment: every endpoint of all its
 * EndpointSlices, merged, with their conditions. Immutable; a watch hands out a new one on every change.
 *
 * @param namespace the Service's namespace
 * @param service the Service's name
 * @param sequence increases with every snapshot of the same watch (a consumer ignores older ones)
 * @param synced whether a complete list has been received (before that, {@code endpoints} is empty and means
 * nothing)
 * @param problem what is wrong with the watch now (forbidden, API server unreachable, …), or {@code null}; a synced
 * snapshot with a problem holds the last endpoints known
 * @param slices how many EndpointSlices the Service has
 * @param endpoints the endpoints, in no particular order
 */
public record ServiceEndpoints(String namespace, String service, long sequence, boolean synced, String problem,
		int slices, List<Endpoint> endpoints) {

	public ServiceEndpoints {
		Objects.requireNonNull(namespace, "namespace");
		Objects.requireNonNull(service, "service");
		endpoints = List.copyOf(endpoints);
	}

	/**
	 * One endpoint (a pod address) of one EndpointSlice.
	 *
	 * @param address the IP address
	 * @param ports the ports of its slice: Service port name ({@code ""} when unnamed) to the pod's port number
	 * @param ready the {@code ready} condition (unset means {@code true})
	 * @param serving the {@code serving} condition (unset means {@code true})
	 * @param terminating the {@code terminating} condition (unset means {@code false})
	 * @param zone the zone the endpoint runs in, or {@code null}
	 * @param forZones the zones the EndpointSlice controller hints should use it (empty without hints)
	 * @param pod the pod's name, or {@code null}
	 */
	public record Endpoint(String address, Map<String, Integer> ports, boolean ready, boolean serving,
			boolean terminating, String zone, Set<String> forZones, String pod) {

		public Endpoint {
			Objects.requireNonNull(address, "address");
			ports = Map.copyOf(ports);
			forZones = Set.copyOf(forZones);
		}

	}

}
