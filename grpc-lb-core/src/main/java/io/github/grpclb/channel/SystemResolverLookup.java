package io.github.grpclb.channel;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.SimpleResolver;

/**
 * Resolves a {@code dns:///host:port} target the way the operating system's resolver would, without any cache:
 * <ol>
 * <li>an IP address is the address;</li>
 * <li>a name in the hosts file gets the hosts file's addresses (glibc's {@code hosts: files dns});</li>
 * <li>otherwise the names from the search list and {@code ndots} ({@link SystemResolverConfig#candidates}) are
 * asked, in order, from the configured name servers (the next server when one times out or fails); the first name
 * with addresses wins, and its record TTLs come with the answer;</li>
 * <li>when DNS knows none of them, the JDK is asked, so that names from other sources (nsswitch modules, split DNS
 * on a laptop) resolve as before.</li>
 * </ol>
 * A DNS error or timeout for a name fails the lookup rather than moving on to the next name, as glibc does: the
 * refreshing resolver then keeps its last good addresses. Without any name server in the configuration the JDK
 * resolves, and the JVM's address cache applies (see {@link JvmDnsCache}).
 */
final class SystemResolverLookup implements AddressLookup {

	private static final Logger logger = Logger.getLogger(SystemResolverLookup.class.getName());

	private final DnsTarget target;

	private final ResolverSettings settings;

	private final Supplier<SystemResolverConfig> system;

	private final AddressLookup jdk;

	SystemResolverLookup(DnsTarget target, ResolverSettings settings, Supplier<SystemResolverConfig> system,
			AddressLookup jdk) {
		this.target = target;
		this.settings = settings;
		this.system = system;
		this.jdk = jdk;
	}

	@Override
	public Answer lookUp() throws IOException {
		String host = this.target.host();
		InetAddress literal = SystemResolverConfig.literal(host);
		if (literal != null) {
			return answer(List.of(literal), null);
		}
		SystemResolverConfig config = this.system.get();
		if (config.nameservers().isEmpty()) {
			JvmDnsCache.warnIfSlowerThan(this.settings.refreshInterval());
			return this.jdk.lookUp();
		}
		List<InetAddress> fromHosts = config.hostsEntries(host);
		if (!fromHosts.isEmpty()) {
			return answer(fromHosts, null);
		}
		DnsQueries queries = new DnsQueries(this.target, false, (query) -> send(config, query));
		List<String> names = config.candidates(host);
		for (String name : names) {
			long[] ttl = { Long.MAX_VALUE };
			List<InetAddress> addresses = queries.addresses(name, ttl);
			if (!addresses.isEmpty()) {
				if (logger.isLoggable(Level.FINE)) {
					logger.fine("DNS " + host + ": " + name + " has " + addresses + " (" + config + ")");
				}
				return answer(addresses, DnsQueries.ttl(ttl));
			}
		}
		try {
			return this.jdk.lookUp();
		}
		catch (IOException ex) {
			throw new IOException("DNS (" + config.nameservers() + ") has no addresses for " + names
					+ " and the JDK cannot resolve " + host + " either", ex);
		}
	}

	private Answer answer(List<InetAddress> addresses, Duration ttl) {
		List<InetSocketAddress> result = new ArrayList<>();
		for (InetAddress address : addresses) {
			result.add(new InetSocketAddress(address, this.target.port()));
		}
		return new Answer(result, ttl);
	}

	/**
	 * Send a query to the name servers in order, each with the query timeout, until one answers with anything but a
	 * server failure (glibc without {@code rotate} does the same).
	 */
	private Message send(SystemResolverConfig config, Message query) throws IOException {
		Message failed = null;
		IOException error = null;
		for (InetSocketAddress server : config.nameservers()) {
			SimpleResolver resolver = new SimpleResolver(server);
			resolver.setTimeout(this.settings.queryTimeout());
			try {
				Message response = resolver.send(query);
				int rcode = response.getRcode();
				if (rcode == Rcode.NOERROR || rcode == Rcode.NXDOMAIN) {
					return response;
				}
				failed = response;
			}
			catch (IOException ex) {
				error = new IOException("DNS server " + server + ": " + ex.getMessage(), ex);
			}
		}
		if (failed != null) {
			return failed;
		}
		throw error;
	}

}
