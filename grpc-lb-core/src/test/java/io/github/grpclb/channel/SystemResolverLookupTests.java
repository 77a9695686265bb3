package io.github.grpclb.channel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.github.grpclb.test.Backends;
import io.github.grpclb.test.DnsResponder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Type;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The default lookup of a {@code dns:///host:port} target against a system resolver configuration the test gives
 * (a real DNS server in the JVM, a search list, {@code ndots}, a hosts file): what a pod's glibc would resolve, asked
 * of DNS directly.
 */
class SystemResolverLookupTests {

	private static final ResolverSettings SETTINGS = new ResolverSettings(ResolverSettings.Type.REFRESHING,
			Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofMillis(300), false);

	private static final List<String> SEARCH = List.of("shop.svc.cluster.local", "svc.cluster.local", "cluster.local");

	@TempDir
	Path directory;

	private final DnsResponder dns = new DnsResponder();

	@AfterEach
	void stopDns() {
		this.dns.close();
	}

	private SystemResolverConfig pod(int ndots) {
		return new SystemResolverConfig(List.of(this.dns.socketAddress()), SEARCH, ndots, null);
	}

	private static List<String> lookUp(String host, SystemResolverConfig config) throws IOException {
		AddressLookup lookup = AddressLookup.forTarget(new DnsTarget(null, host, 9090), SETTINGS, () -> config);
		return lookup.lookUp().addresses().stream().map((a) -> a.getAddress().getHostAddress() + ":" + a.getPort())
			.toList();
	}

	@Test
	void aShortServiceNameResolvesThroughTheSearchList() throws IOException {
		this.dns.setAddresses("orders.shop.svc.cluster.local", List.of("10.1.0.1", "10.1.0.2"));
		assertThat(lookUp("orders", pod(5))).containsExactly("10.1.0.1:9090", "10.1.0.2:9090");
		assertThat(this.dns.queries("orders.shop.svc.cluster.local", Type.A)).isEqualTo(1);
		assertThat(this.dns.queries("orders", Type.A)).as("found with the first search domain").isZero();
	}

	@Test
	void aNameWithFewerDotsThanNdotsGetsTheSearchDomainsFirst() throws IOException {
		this.dns.setAddresses("orders.shop", List.of("10.9.9.9"));
		this.dns.setAddresses("orders.shop.svc.cluster.local", List.of("10.1.0.1"));
		assertThat(lookUp("orders.shop", pod(5))).as("1 dot < ndots 5").containsExactly("10.1.0.1:9090");
		assertThat(lookUp("orders.shop", pod(1))).as("1 dot >= ndots 1").containsExactly("10.9.9.9:9090");
	}

	@Test
	void whenNoSearchDomainHasTheNameThenItIsAskedAsItIs() throws IOException {
		this.dns.setAddresses("orders.example", List.of("10.2.0.1"));
		assertThat(lookUp("orders.example", pod(5))).containsExactly("10.2.0.1:9090");
		assertThat(this.dns.queries("orders.example.shop.svc.cluster.local", Type.A)).isEqualTo(1);
		assertThat(this.dns.queries("orders.example.cluster.local", Type.A)).isEqualTo(1);
	}

	@Test
	void aNameEndingWithADotIsAskedOnlyAsItIs() throws IOException {
		this.dns.setAddresses("orders.shop.svc.cluster.local", List.of("10.1.0.1"));
		assertThat(lookUp("orders.shop.svc.cluster.local.", pod(5))).containsExactly("10.1.0.1:9090");
		assertThat(this.dns.queries()).as("one A and one AAAA query, no search domain").isEqualTo(2);
	}

	@Test
	void theAnswerCarriesTheRecordTtl() throws IOException {
		this.dns.ttl(7);
		this.dns.setAddresses("orders.shop.svc.cluster.local", List.of("10.1.0.1"));
		AddressLookup lookup = AddressLookup.forTarget(new DnsTarget(null, "orders", 9090), SETTINGS, () -> pod(5));
		assertThat(lookup.lookUp().ttl()).isEqualTo(Duration.ofSeconds(7));
	}

	@Test
	void aNameInTheHostsFileResolvesFromThereWithoutDns() throws IOException {
		Path hosts = this.directory.resolve("hosts");
		Files.writeString(hosts, "127.0.0.1 localhost\n10.3.0.1 orders\n10.3.0.2 orders\n");
		SystemResolverConfig config = new SystemResolverConfig(List.of(this.dns.socketAddress()), SEARCH, 5, hosts);
		this.dns.setAddresses("orders.shop.svc.cluster.local", List.of("10.1.0.1"));
		assertThat(lookUp("orders", config)).containsExactly("10.3.0.1:9090", "10.3.0.2:9090");
		assertThat(lookUp("localhost", config)).containsExactly("127.0.0.1:9090");
		assertThat(this.dns.queries()).isZero();
	}

	@Test
	void whenDnsKnowsNoneOfTheNamesThenTheJdkResolves() throws IOException {
		// backends.test is only in the JVM's hosts file (-Djdk.net.hosts.file, see the module's pom): another name
		// source, as an nsswitch module or a laptop's split DNS would be.
		assertThat(lookUp(Backends.HOST, pod(5))).containsExactly("127.0.0.2:9090", "127.0.0.3:9090",
				"127.0.0.4:9090", "127.0.0.5:9090", "127.0.0.6:9090");
		assertThat(this.dns.queries(Backends.HOST, Type.A)).as("DNS was asked first").isEqualTo(1);
	}

	@Test
	void whenNeitherDnsNorTheJdkKnowTheNameThenTheErrorNamesWhatWasAsked() {
		assertThat(catchThrowable(() -> lookUp("payments", pod(5)))).isInstanceOf(IOException.class)
			.hasMessageContaining("payments.shop.svc.cluster.local")
			.hasMessageContaining("the JDK cannot resolve payments either");
	}

	@Test
	void whenTheConfigurationNamesNoServerThenTheJdkResolves() throws IOException {
		assertThat(lookUp(Backends.HOST, SystemResolverConfig.none())).hasSize(5);
		assertThat(this.dns.queries()).isZero();
	}

	@Test
	void whenDnsDoesNotAnswerThenTheLookupFailsInsteadOfTryingOtherNamesOrTheJdk() {
		// The JDK knows backends.test; answering from it during a DNS outage could hand out addresses DNS would not.
		this.dns.answering(false);
		assertThat(catchThrowable(() -> lookUp(Backends.HOST, pod(5)))).isInstanceOf(IOException.class)
			.hasMessageContaining(this.dns.socketAddress().toString());
		assertThat(this.dns.queries(Backends.HOST, Type.A)).as("no name after the one that timed out").isZero();
	}

	@Test
	void whenTheFirstNameServerDoesNotAnswerThenTheNextOneIsAsked() throws IOException {
		try (DnsResponder second = new DnsResponder()) {
			this.dns.answering(false);
			second.setAddresses("orders.shop.svc.cluster.local", List.of("10.1.0.1"));
			SystemResolverConfig config = new SystemResolverConfig(
					List.of(this.dns.socketAddress(), second.socketAddress()), SEARCH, 5, null);
			assertThat(lookUp("orders", config)).containsExactly("10.1.0.1:9090");
			assertThat(this.dns.queries("orders.shop.svc.cluster.local", Type.A)).isEqualTo(1);
		}
	}

	@Test
	void anIpAddressNeedsNoLookup() throws IOException {
		assertThat(lookUp("10.4.0.1", pod(5))).containsExactly("10.4.0.1:9090");
		assertThat(lookUp("[::1]", pod(5))).containsExactly("0:0:0:0:0:0:0:1:9090");
		assertThat(this.dns.queries()).isZero();
	}

	@Test
	void aTargetThatNamesItsDnsServerIgnoresTheSystemConfiguration() throws IOException {
		this.dns.setAddresses("orders", List.of("10.5.0.1"));
		InetSocketAddress server = this.dns.socketAddress();
		AddressLookup lookup = AddressLookup.forTarget(new DnsTarget(server, "orders", 9090), SETTINGS,
				() -> new SystemResolverConfig(List.of(new InetSocketAddress("127.0.0.1", 9)), SEARCH, 5, null));
		assertThat(lookup.lookUp().addresses()).containsExactly(new InetSocketAddress("10.5.0.1", 9090));
	}

}
