package io.github.grpclb.channel;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

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
	 * The lookup for a target: the JDK's resolver (system configuration, hosts files) for a plain
	 * {@code dns:///host:port}; DNS queries with dnsjava when the target names a DNS server or SRV is on.
	 */
	static AddressLookup forTarget(DnsTarget target, ResolverSettings settings) {
		Target.HostPort literalAddress = new Target.HostPort(target.host(), target.port());
		if (!settings.srv() && literalAddress.isIpLiteral()) {
			// Nothing to ask DNS: the address is the answer.
			Answer literal = new Answer(List.of(literalAddress.socketAddress()), null);
			return () -> literal;
		}
		if (target.server() == null && !settings.srv()) {
			JvmDnsCache.warnIfSlowerThan(settings.refreshInterval());
			return () -> {
				try {
					List<InetSocketAddress> addresses = new ArrayList<>();
					for (InetAddress address : InetAddress.getAllByName(target.host())) {
						addresses.add(new InetSocketAddress(address, target.port()));
					}
					return new Answer(addresses, null);
				}
				catch (UnknownHostException ex) {
					throw new IOException("cannot resolve " + target.host() + ": " + ex.getMessage(), ex);
				}
			};
		}
		return new DnsQueries(target, settings);
	}

	/**
	 * What a lookup found.
	 *
	 * @param addresses the addresses, never empty
	 * @param ttl the smallest record TTL, or {@code null} when the lookup does not know it
	 */
	record Answer(List<InetSocketAddress> addresses, Duration ttl) {
	}

	/** A, AAAA and SRV queries with dnsjava, to the target's DNS server or the system's, without any cache. */
	final class DnsQueries implements AddressLookup {

		private final DnsTarget target;

		private final boolean srv;

		private final Duration queryTimeout;

		private Resolver resolver;

		DnsQueries(DnsTarget target, ResolverSettings settings) {
			this.target = target;
			this.srv = settings.srv();
			this.queryTimeout = settings.queryTimeout();
		}

		/** Built on first use, on the lookup's thread: a DNS server given by name needs a lookup of its own. */
		private Resolver resolver() throws IOException {
			if (this.resolver == null) {
				InetSocketAddress server = this.target.server();
				if (server != null && server.isUnresolved()) {
					try {
						server = new InetSocketAddress(InetAddress.getByName(server.getHostString()), server.getPort());
					}
					catch (UnknownHostException ex) {
						throw new IOException("cannot resolve the DNS server " + server.getHostString(), ex);
					}
				}
				Resolver created = (server != null) ? new SimpleResolver(server) : new ExtendedResolver();
				created.setTimeout(this.queryTimeout);
				this.resolver = created;
			}
			return this.resolver;
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
			return new Answer(addresses, Duration.ofSeconds(ttl[0] == Long.MAX_VALUE ? 0 : ttl[0]));
		}

		private List<InetAddress> addresses(String host, long[] ttl) throws IOException {
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
			Message response = resolver().send(Message.newQuery(Record.newRecord(name, type, DClass.IN)));
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
