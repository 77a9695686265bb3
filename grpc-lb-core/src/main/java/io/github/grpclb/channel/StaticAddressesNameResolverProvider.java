package io.github.grpclb.channel;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;


/**
 * Resolves {@code static:///host1:port1,host2:port2,…} to a fixed list of backends, one address group per address,
 * so that {@code round_robin} spreads calls over all of them without a DNS server. A host name in the list stands
 * for every address it resolves to; host names are looked up again every {@code refresh-interval}, and a list that
 * does not resolve at all is retried with backoff, as {@link RefreshingDnsNameResolver} does for DNS.
 * <p>
 * The addresses sit in the URI path (empty authority): grpc-java parses targets as RFC 3986 URIs, where a comma-
 * separated list is not a valid authority. IPv6 literals cannot appear in a path; use a host name for them.
 * <p>
 * The starter installs this provider on its own channels only (see {@link GrpcLbChannelFactory}); nothing is
 * registered JVM-wide.
 */
public final class StaticAddressesNameResolverProvider extends ClientResolverProvider {

	/** The URI scheme. */
	public static final String SCHEME = "static";

	/**
	 * Create a provider for one client.
	 * @param clientName the client (for logs and the listener)
	 * @param settings how often host names in the list are looked up again
	 * @param listener told about every lookup
	 */
	public StaticAddressesNameResolverProvider(String clientName, ResolverSettings settings,
			ResolutionListener listener) {
		super(SCHEME, clientName, settings, listener);
	}

	/**
	 * Whether a target uses this provider's scheme.
	 * @param target a channel target
	 * @return {@code true} for {@code static:…} targets
	 */
	public static boolean handles(String target) {
		return target.toLowerCase(Locale.ROOT).startsWith(SCHEME + ":");
	}

	@Override
	AddressLookup lookupFor(Target target, ResolverSettings settings) {
		List<Target.HostPort> entries = target.entries();
		return () -> lookUp(entries);
	}

	@Override
	String describe(Target target) {
		return "static list " + target.entries();
	}

	/** Host names may need a lookup: runs on the offload executor, never in the synchronization context. */
	static AddressLookup.Answer lookUp(List<Target.HostPort> entries) throws IOException {
		List<InetSocketAddress> addresses = new ArrayList<>();
		List<Target.HostPort> failed = new ArrayList<>();
		for (Target.HostPort entry : entries) {
			try {
				for (InetAddress address : InetAddress.getAllByName(entry.host())) {
					addresses.add(new InetSocketAddress(address, entry.port()));
				}
			}
			catch (UnknownHostException ex) {
				failed.add(entry);
			}
		}
		if (addresses.isEmpty()) {
			throw new IOException("no address of the static target resolves: " + failed);
		}
		return new AddressLookup.Answer(addresses, null);
	}

}
