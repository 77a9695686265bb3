package io.github.grpclb.channel;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reading the system resolver configuration as glibc reads it: resolv.conf, its environment overrides, the order of
 * names a search list and {@code ndots} give, and the hosts file.
 */
class SystemResolverConfigTests {

	@TempDir
	Path directory;

	private static SystemResolverConfig parse(String resolvConf) {
		return SystemResolverConfig.parse(resolvConf.lines().toList(), Map.of(), null);
	}

	@Test
	void aKubernetesPodsResolvConfGivesItsServerSearchListAndNdots() {
		SystemResolverConfig config = parse("""
				search shop.svc.cluster.local svc.cluster.local cluster.local
				nameserver 10.96.0.10
				options ndots:5
				""");
		assertThat(config.nameservers()).containsExactly(new InetSocketAddress("10.96.0.10", 53));
		assertThat(config.search()).containsExactly("shop.svc.cluster.local", "svc.cluster.local", "cluster.local");
		assertThat(config.ndots()).isEqualTo(5);
	}

	@Test
	void commentsHostNamesAsServersAndServersBeyondTheThirdAreIgnored() {
		SystemResolverConfig config = parse("""
				# nameserver 10.0.0.99
				; nameserver 10.0.0.98
				nameserver dns.example.com
				nameserver 10.0.0.1
				nameserver fd00::53
				nameserver 10.0.0.2
				nameserver 10.0.0.3
				""");
		assertThat(config.nameservers()).containsExactly(new InetSocketAddress("10.0.0.1", 53),
				new InetSocketAddress("fd00::53", 53), new InetSocketAddress("10.0.0.2", 53));
		assertThat(config.search()).isEmpty();
		assertThat(config.ndots()).as("glibc's default").isEqualTo(1);
	}

	@Test
	void theLastOfSearchAndDomainWinsAndNdotsIsCappedAt15() {
		assertThat(parse("search a.example b.example\ndomain c.example.\n").search()).containsExactly("c.example");
		assertThat(parse("domain c.example\nsearch a.example b.example\n").search()).containsExactly("a.example",
				"b.example");
		assertThat(parse("options ndots:40\n").ndots()).isEqualTo(15);
		assertThat(parse("options ndots:x timeout:1\n").ndots()).as("malformed: ignored").isEqualTo(1);
	}

	@Test
	void localDomainAndResOptionsOverrideTheFile() {
		SystemResolverConfig config = SystemResolverConfig.parse(
				List.of("search a.example", "nameserver 10.0.0.1", "options ndots:5"),
				Map.of("LOCALDOMAIN", "x.example y.example", "RES_OPTIONS", "ndots:2 rotate"), null);
		assertThat(config.search()).containsExactly("x.example", "y.example");
		assertThat(config.ndots()).isEqualTo(2);
	}

	@Test
	void aNameWithFewerDotsThanNdotsTriesTheSearchDomainsFirst() {
		SystemResolverConfig config = parse("search shop.svc.cluster.local svc.cluster.local\noptions ndots:5\n");
		assertThat(config.candidates("orders")).containsExactly("orders.shop.svc.cluster.local",
				"orders.svc.cluster.local", "orders");
		assertThat(config.candidates("orders.shop")).containsExactly("orders.shop.shop.svc.cluster.local",
				"orders.shop.svc.cluster.local", "orders.shop");
	}

	@Test
	void aNameWithAtLeastNdotsDotsIsTriedAsItIsFirst() {
		SystemResolverConfig config = parse("search shop.svc.cluster.local\noptions ndots:1\n");
		assertThat(config.candidates("orders.shop")).containsExactly("orders.shop", "orders.shop.shop.svc.cluster.local");
		assertThat(config.candidates("orders")).containsExactly("orders.shop.svc.cluster.local", "orders");
	}

	@Test
	void aNameEndingWithADotIsAbsolute() {
		SystemResolverConfig config = parse("search shop.svc.cluster.local\noptions ndots:5\n");
		assertThat(config.candidates("orders.shop.svc.cluster.local.")).containsExactly("orders.shop.svc.cluster.local");
	}

	@Test
	void theHostsFileGivesEveryAddressANameHasWhateverItsCase() throws IOException {
		Path hosts = this.directory.resolve("hosts");
		Files.writeString(hosts, """
				127.0.0.1 localhost
				::1 localhost ip6-localhost
				# 10.0.0.9 orders
				10.0.0.1 Orders.local orders # the first pod
				10.0.0.2 orders
				not-an-address orders
				""");
		SystemResolverConfig config = new SystemResolverConfig(List.of(), List.of(), 1, hosts);
		assertThat(config.hostsEntries("ORDERS")).containsExactly(InetAddress.getByName("10.0.0.1"),
				InetAddress.getByName("10.0.0.2"));
		assertThat(config.hostsEntries("orders.local.")).containsExactly(InetAddress.getByName("10.0.0.1"));
		assertThat(config.hostsEntries("localhost")).containsExactly(InetAddress.getByName("127.0.0.1"),
				InetAddress.getByName("::1"));
		assertThat(config.hostsEntries("payments")).isEmpty();
		assertThat(new SystemResolverConfig(List.of(), List.of(), 1, this.directory.resolve("missing"))
			.hostsEntries("orders")).isEmpty();
	}

	@Test
	void ipAddressesAreParsedWithoutAnyLookup() {
		assertThat(SystemResolverConfig.literal("10.1.2.3")).hasToString("/10.1.2.3");
		assertThat(SystemResolverConfig.literal("[::1]")).isNotNull();
		assertThat(SystemResolverConfig.literal("fd00::1")).isNotNull();
		assertThat(SystemResolverConfig.literal("backends.test")).as("a name, though the JDK knows it").isNull();
		assertThat(SystemResolverConfig.literal("dead:beef:name")).isNull();
		assertThat(SystemResolverConfig.literal("1234")).isNull();
	}

	@Test
	void whenTheJvmResolvesFromAHostsFileOfItsOwnThereIsNoSystemConfigurationToQuery() {
		// This module's tests run with -Djdk.net.hosts.file (see its pom): the JDK then resolves from that file only,
		// and so must the starter, through the JDK.
		assertThat(System.getProperty("jdk.net.hosts.file")).isNotNull();
		assertThat(SystemResolverConfig.current().nameservers()).isEmpty();
	}

}
