package io.github.grpclb.channel;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * One resolution of a target: the addresses and, when DNS said so, how long they may be cached.
 */
@FunctionalInterface
interface AddressLookup {

	/**
	 * Resolve once. Blocking; called off the synchronization context.
	 * @return the addresses, never empty
	 * @throws IOException when the name cannot be resolved now (no answer, no records, timeout)
	 */
	Answer lookUp() throws IOException;

	/**
	 * The lookup for a target. A plain {@code dns:///host:port} is resolved the way the operating system's resolver
	 * would — hosts file, then the name servers, search list and {@code ndots} of {@code /etc/resolv.conf} — but with
	 * DNS queries of the starter's own (dnsjava), so that no cache sits between a refresh and DNS. The JDK resolves
	 * instead (and its address cache applies) when there is no such configuration, when {@code jdk.net.hosts.file}
	 * is set, or without dnsjava. A target that names a DNS server, or SRV, queries with dnsjava.
	 */
	static AddressLookup forTarget(DnsTarget target, ResolverSettings settings) {
		return forTarget(target, settings, SystemResolverConfig::current);
	}

	/**
	 * The lookup for a target, with the system resolver configuration from {@code system} (read on every lookup).
	 */
	static AddressLookup forTarget(DnsTarget target, ResolverSettings settings,
			Supplier<SystemResolverConfig> system) {
		Target.HostPort literalAddress = new Target.HostPort(target.host(), target.port());
		if (!settings.srv() && literalAddress.isIpLiteral()) {
			// Nothing to ask DNS: the address is the answer.
			Answer literal = new Answer(List.of(literalAddress.socketAddress()), null);
			return () -> literal;
		}
		if (target.server() != null || settings.srv()) {
			return new DnsQueries(target, settings);
		}
		if (!dnsjavaPresent()) {
			JvmDnsCache.warnIfSlowerThan(settings.refreshInterval());
			return new JdkLookup(target);
		}
		return new SystemResolverLookup(target, settings, system, new JdkLookup(target));
	}

	private static boolean dnsjavaPresent() {
		try {
			Class.forName("org.xbill.DNS.Resolver", false, AddressLookup.class.getClassLoader());
			return true;
		}
		catch (ClassNotFoundException | LinkageError ex) {
			return false;
		}
	}

	/**
	 * What a lookup found.
	 *
	 * @param addresses the addresses, never empty
	 * @param ttl the smallest record TTL, or {@code null} when the lookup does not know it
	 */
	record Answer(List<InetSocketAddress> addresses, Duration ttl) {
	}

	/** The JDK's resolver ({@link InetAddress#getAllByName}), with the JVM's address cache under it. */
	final class JdkLookup implements AddressLookup {

		private final DnsTarget target;

		JdkLookup(DnsTarget target) {
			this.target = target;
		}

		@Override
		public Answer lookUp() throws IOException {
			try {
				List<InetSocketAddress> addresses = new ArrayList<>();
				for (InetAddress address : InetAddress.getAllByName(this.target.host())) {
					addresses.add(new InetSocketAddress(address, this.target.port()));
				}
				return new Answer(addresses, null);
			}
			catch (UnknownHostException ex) {
				throw new IOException("cannot resolve " + this.target.host() + ": " + ex.getMessage(), ex);
			}
		}

	}

	/** A, AAAA and SRV queries with dnsjava, to the target's DNS server or the system's, without any cache. */
	final class DnsQueries implements AddressLookup {

		/** Sends one query and returns the response. */
		@FunctionalInterface
		interface Sender {

			Message send(Message query) throws IOException;

		}

		private final DnsTarget target;

		private final boolean srv;

		private final Sender sender;

		DnsQueries(DnsTarget target, ResolverSettings settings) {
			this(target, settings.srv(), resolver(target, settings));
		}

		DnsQueries(DnsTarget target, boolean srv, Sender sender) {
			this.target = target;
			this.srv = srv;
			this.sender = sender;
		}

		/**
		 * The resolver of the target's DNS server (or the system's), built on the first query, on the lookup's
		 * thread: a DNS server given by name needs a lookup of its own, which must not run while the channel
		 * creates its resolver.
		 */
		private static Sender resolver(DnsTarget target, ResolverSettings settings) {
			AtomicReference<Resolver> built = new AtomicReference<>();
			return (query) -> {
				Resolver resolver = built.get();
				if (resolver == null) {
					InetSocketAddress server = target.server();
					if (server != null && server.isUnresolved()) {
						try {
							server = new InetSocketAddress(InetAddress.getByName(server.getHostString()),
									server.getPort());
						}
						catch (UnknownHostException ex) {
							throw new IOException("cannot resolve the DNS server " + server.getHostString(), ex);
						}
					}
					resolver = (server != null) ? new SimpleResolver(server) : new ExtendedResolver();
					resolver.setTimeout(settings.queryTimeout());
					built.set(resolver);
				}
				return resolver.send(query);
			};
		}

		@Override
		public Answer lookUp() throws IOException {
			long[] ttl = { Long.MAX_VALUE };
			List<InetSocketAddress> addresses = new ArrayList<>();
			if (this.srv) {
				List<SRVRecord> records = new ArrayList<>();
				for (Record record : query(this.target.srvName(), Type.SRV, ttl)) {
					if (record instanceof SRVRecord srvRecord) {
						records.add(srvRecord);
					}
				}
				int best = records.stream().mapToInt(SRVRecord::getPriority).min().orElse(0);
				records.sort(Comparator.comparing((SRVRecord r) -> r.getTarget().toString()));
				for (SRVRecord record : records) {
					if (record.getPriority() == best) {
						for (InetAddress address : addresses(record.getTarget().toString(), ttl)) {
							addresses.add(new InetSocketAddress(address, record.getPort()));
						}
					}
				}
			}
			else {
				for (InetAddress address : addresses(this.target.host(), ttl)) {
					addresses.add(new InetSocketAddress(address, this.target.port()));
				}
			}
			if (addresses.isEmpty()) {
				throw new IOException("DNS has no " + (this.srv ? "SRV targets with addresses" : "addresses") + " for "
						+ (this.srv ? this.target.srvName() : this.target.host()));
			}
			return new Answer(addresses, ttl(ttl));
		}

		/** @return the smallest TTL seen, or zero when no record was seen */
		static Duration ttl(long[] ttl) {
			return Duration.ofSeconds(ttl[0] == Long.MAX_VALUE ? 0 : ttl[0]);
		}

		/**
		 * The A and AAAA records of one name.
		 * @param host the name (absolute, with or without the trailing dot)
		 * @param ttl lowered to the smallest TTL of the records found
		 * @return the addresses; empty when the name does not exist or has none
		 * @throws IOException when no family gave addresses and a query failed (timeout, an error code)
		 */
		List<InetAddress> addresses(String host, long[] ttl) throws IOException {
			List<InetAddress> addresses = new ArrayList<>();
			IOException failed = null;
			for (int type : new int[] { Type.A, Type.AAAA }) {
				List<Record> records;
				try {
					records = query(host, type, ttl);
				}
				catch (IOException ex) {
					// One family may fail while the other answers (dnsmasq refuses AAAA for names it only has A
					// records for): an error counts only when no family gave addresses.
					failed = (failed != null) ? failed : ex;
					continue;
				}
				for (Record record : records) {
					if (record instanceof ARecord a) {
						addresses.add(a.getAddress());
					}
					else if (record instanceof AAAARecord aaaa) {
						addresses.add(aaaa.getAddress());
					}
				}
			}
			if (addresses.isEmpty() && failed != null) {
				throw failed;
			}
			return addresses;
		}

		private List<Record> query(String host, int type, long[] ttl) throws IOException {
			Name name;
			try {
				name = Name.fromString(host.endsWith(".") ? host : host + ".");
			}
			catch (TextParseException ex) {
				throw new IOException("'" + host + "' is not a DNS name", ex);
			}
			Message response = this.sender.send(Message.newQuery(Record.newRecord(name, type, DClass.IN)));
			int rcode = response.getRcode();
			if (rcode == Rcode.NXDOMAIN) {
				return List.of();
			}
			if (rcode != Rcode.NOERROR) {
				throw new IOException("DNS answered " + Rcode.string(rcode) + " for " + name + " " + Type.string(type));
			}
			List<Record> answers = new ArrayList<>();
			for (Record record : response.getSection(Section.ANSWER)) {
				if (record.getType() == type) {
					answers.add(record);
					ttl[0] = Math.min(ttl[0], record.getTTL());
				}
			}
			return answers;
		}

	}

}
