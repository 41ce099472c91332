// `gantry controller`: the in-cluster controller. The one place that wires the concrete
// implementations (apiserver connection, informer cache, events, EC2 provider and catalog,
// batcher, provisioner) and runs the controllers while this replica leads. Exit 0 on
// SIGTERM/SIGINT after a clean stop (bounded by the timeline of src/cmd/shutdown.h, at any
// point of start-up too), 1 when it cannot start or loses leadership, 2 on bad flags.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <thread>

#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "cloudprovider/aws/auth/credentials_chain.h"
#include "cloudprovider/aws/ec2_cloud_provider.h"
#include "cloudprovider/aws/transport/endpoints.h"
#include "cloudprovider/aws/live_catalog.h"
#include "cloudprovider/aws/pricing/pricing_api.h"
#include "cloudprovider/aws/ec2/query_ec2_api.h"
#include "cloudprovider/aws/sqs/sqs_api.h"
#include "cloudprovider/aws/ssm/ssm_api.h"
#include "cloudprovider/catalog/bundled_catalog.h"
#include "cloudprovider/metered_cloud_provider.h"
#include "provisioner/disruption/disruption_controller.h"
#include "provisioner/gauges/cache_state_source.h"
#include "provisioner/gauges/metrics_controller.h"
#include "provisioner/interruption/interruption_controller.h"
#include "provisioner/metrics.h"
#include "provisioner/nodeclaim/garbage_collector.h"
#include "provisioner/nodeclaim/lifecycle_controller.h"
#include "provisioner/nodeclass/status_controller.h"
#include "provisioner/nodepool/usage_controller.h"
#include "provisioner/provisioning/cache_source.h"
#include "provisioner/provisioning/interrupted_pods.h"
#include "provisioner/provisioning/provisioner.h"
#include "provisioner/state/launch_backoff.h"
#include "provisioner/state/nominations.h"
#include "provisioner/state/pod_events.h"
#include "src/cmd/build_info.h"
#include "src/cmd/commands.h"
#include "src/cmd/controller_options.h"
#include "src/cmd/ec2_nodeclass_cache_source.h"
#include "src/cmd/health_server.h"
#include "src/cmd/shutdown.h"
#include "src/common/logging.h"
#include "src/common/shutdown_clock.h"
#include "src/http/curl_http_client.h"
#include "src/kube/cluster_cache.h"
#include "src/kube/event_recorder.h"
#include "src/kube/leader_elector.h"
#include "src/kube/metrics.h"

namespace gantry::cmd {

namespace {

namespace aws = cloudprovider::aws;

// Runs every controller on a thread of its own until `stop`, then joins them all.
void runControllers(std::vector<provisioner::ControllerPtr>& controllers, std::stop_token stop) {
  std::vector<std::thread> threads;
  for (auto& c : controllers) {
    threads.emplace_back([&c, stop] { c->run(stop); });
  }
  for (auto& t : threads) t.join();  // each returns soon after `stop` is requested
}

}  // namespace

int runControllerCommand(const std::vector<std::string>& args) {
  // Before any thread exists, so every thread inherits the mask and only Shutdown's thread
  // receives the stop signals.
  const sigset_t signals = blockStopSignals();

  auto parsed = parseControllerOptions(args);
  if (!parsed) {
    std::cerr << "gantry controller: " << parsed.error().message() << "\n" << controllerUsage();
    return 2;
  }
  const ControllerOptions& opt = *parsed;
  if (opt.help) {
    std::cout << controllerHelp();
    return 0;
  }
  configureLogging(opt);
  auto log = componentLogger("controller");
  // cloudprovider/ looks these loggers up by name rather than creating them.
  componentLogger("aws");
  componentLogger("cloudprovider");

  Shutdown shutdown(signals);
  RealClock wallClock;
  // Every component but the leader elector waits on this clock: once the stop begins, no
  // backoff or retry delay outlives it.
  ShutdownClock clock(wallClock, shutdown.stopping());
  auto config = kube::loadRestConfig(opt.kubeconfig);
  if (!config) {
    log->critical("cannot load kubernetes config error={}", config.error().message());
    return 1;
  }
  // Metrics first, so the apiserver client counts its requests from the first one.
  auto registry = std::make_shared<prometheus::Registry>();
  registerBuildInfo(*registry);
  kube::KubeMetrics kubeMetrics(*registry);
  // 1 while this replica runs the controllers (holds the Lease, or runs without election),
  // so dashboards and alerts can tell the acting replica from the standby.
  prometheus::Gauge& leader = prometheus::BuildGauge()
                                  .Name("gantry_leader")
                                  .Help("1 while this replica leads (runs the controllers), 0 otherwise")
                                  .Register(*registry)
                                  .Add({});
  auto conn = kube::connect(*config, clock, {.metrics = &kubeMetrics, .abort = &shutdown.abortCalls()});
  if (!conn) {
    log->critical("cannot connect to kubernetes error={}", conn.error().message());
    return 1;
  }
  kube::RestClient& client = *conn->client;

  kube::ClusterCacheOptions cacheOptions{.gantryResources = true};
  if (!opt.watchNamespace.empty()) cacheOptions.pods.fieldSelector = "metadata.namespace=" + opt.watchNamespace;
  cacheOptions.nodePools.labelSelector = opt.nodePoolSelector;
  cacheOptions.nodeClaims.labelSelector = opt.nodePoolSelector;
  // DaemonSets run on every node whatever namespace the controller watches: cluster-wide.
  cacheOptions.daemonSetOverhead = true;
  kube::ClusterCache cache(client, clock, cacheOptions);
  kube::KubeEventRecorder events(client, clock, {.component = "gantry-controller"});
  provisioner::Batcher batcher(clock, {.idle = opt.batchIdle, .max = opt.batchMax});
  provisioner::PendingPodWatcher watcher(cache, batcher);

  // EC2 and its catalog.
  const aws::EnvLookup env = aws::processEnvironment();
  http::CurlHttpClient awsHttp({.abort = &shutdown.abortCalls()});
  aws::CredentialsProviderPtr credentials = aws::makeDefaultCredentialsProvider(env, awsHttp, clock);
  aws::QueryEc2Api ec2({.region = opt.region, .endpoint = opt.ec2Endpoint}, awsHttp, *credentials,
                       clock, env);
  aws::JsonSsmApi ssm({.region = opt.region, .endpoint = opt.ssmEndpoint}, awsHttp, *credentials, clock, env);
  aws::HttpPricingApi pricing({.endpoint = opt.pricingEndpoint}, awsHttp, *credentials, clock, env);
  std::unique_ptr<aws::LiveCatalog> live;
  aws::CatalogSource catalog;
  if (opt.catalog == "bundled") {
    auto bundled = cloudprovider::bundledInstanceTypes(opt.region);
    if (!bundled) {
      log->critical("cannot load the bundled catalog region={} error={}", opt.region, bundled.error().message());
      return 1;
    }
    catalog = [types = *bundled]() -> Result<api::InstanceTypesPtr> { return types; };
  } else {
    live = std::make_unique<aws::LiveCatalog>(
        aws::LiveCatalogOptions{.region = opt.region, .skipPricing = opt.skipPricing}, ec2, &pricing, clock);
    catalog = [&live] { return live->instanceTypes(); };
  }
  // The provider reads EC2NodeClasses from the cache; the status controller asks the same
  // provider what they resolve to, metered on the provider's series.
  Ec2NodeClassCacheSource nodeClasses(cache);
  auto ec2Provider = std::make_unique<aws::Ec2CloudProvider>(
      aws::Ec2CloudProviderOptions{.clusterName = opt.clusterName}, ec2, &ssm, clock, catalog, nodeClasses);
  aws::Ec2NodeClassStatusResolver& ec2Resolver = *ec2Provider;
  aws::UnavailableOfferings& unavailableOfferings = ec2Provider->unavailableOfferings();
  cloudprovider::MeteredCloudProvider cloud(std::move(ec2Provider), *registry, clock);
  aws::MeteredEc2NodeClassStatusResolver nodeClassResolver(ec2Resolver, cloud);

  provisioner::KubeClusterWriter writer(client);
  // State the controllers share: launch backoff (lifecycle writes, provisioner reads),
  // nominations (provisioner writes, disruption reads) and pod events (lifecycle).
  provisioner::state::LaunchBackoff launchBackoff;
  provisioner::state::Nominations nominations;
  provisioner::state::PodEvents podEvents;
  provisioner::ProvisionerMetrics metrics(*registry);

  // The interruption queue, when one is named: its SQS client has an HTTP client of its own,
  // whose abort flag the controller raises on stop to end a 20 s long poll at once.
  std::atomic<bool> sqsAbort{false};
  http::CurlHttpClient sqsHttp({.abort = &sqsAbort});
  aws::JsonSqsApi sqs({.region = opt.region, .endpoint = opt.sqsEndpoint}, sqsHttp, *credentials,
                      clock, env);
  provisioner::nodeclaim::CacheLifecycleReader interruptionReader(cache);
  provisioner::nodeclaim::KubeLifecycleWriter interruptionWriter(client);
  provisioner::interruption::InterruptionHandler interruptionHandler(
      interruptionReader, interruptionWriter, events,
      [&unavailableOfferings](api::CapacityType capacityType, const std::string& type,
                              const std::string& zone, const std::string& reason) {
        unavailableOfferings.mark(capacityType, type, zone, reason);
      },
      &metrics);
  std::optional<provisioner::interruption::InterruptionMetrics> interruptionMetrics;

  std::vector<provisioner::ControllerPtr> controllers;
  // The pods of a node being interrupted are planned at once, before their drain ends.
  provisioner::triggerOnInterruption(cache, batcher);
  auto provisioning = std::make_unique<provisioner::Provisioner>(
      provisioner::withInterruptedPods(provisioner::cacheSource(cache, watcher)), batcher, writer,
      cloud, events, clock,
      provisioner::ProvisionerOptions{.region = opt.region},
      provisioner::ProvisionerShared{.nominations = &nominations, .launchBackoff = &launchBackoff,
                                     .metrics = &metrics});
  provisioner::reportDeletedClaims(cache, *provisioning);
  provisioner::Provisioner* provisionerPtr = provisioning.get();
  controllers.push_back(std::move(provisioning));
  // Launch, registration, initialization, liveness, disruption marks and termination. It adds
  // its indexes and handlers to the cache, so it is built before cache.start() below.
  provisioner::nodeclaim::LifecycleControllerOptions lifecycleOptions;
  lifecycleOptions.lifecycle.registrationTtl = opt.registrationTtl;
  lifecycleOptions.lifecycle.driftCheckInterval = opt.driftCheckInterval;
  lifecycleOptions.registry = registry.get();
  controllers.push_back(provisioner::nodeclaim::LifecycleController::forCluster(
      cache, client, cloud, events, clock, lifecycleOptions,
      provisioner::nodeclaim::LifecycleShared{
          .launchBackoff = &launchBackoff,
          .podEvents = &podEvents,
          .onLaunchFailed =
              [provisionerPtr](const std::string& claim, bool capacityError) {
                provisionerPtr->launchFailed(claim, capacityError);
              }},
      &metrics));
  // Emptiness (nodes reaped once their training pods finish) and consolidation (pods moved
  // off underutilized nodes onto cheaper capacity), within budgets.
  auto disruption = std::make_unique<provisioner::disruption::DisruptionController>(
      cache, client, events, clock, provisioner::disruption::DisruptionOptions{}, &nominations,
      &metrics, registry.get());
  provisioner::disruption::KubeEvictionProbe evictionProbe(client);
  provisioner::disruption::ConsolidationMetrics consolidationMetrics(*registry);
  disruption->enableConsolidation({.source = provisioner::cacheSource(cache, watcher),
                                   .catalog = [&cloud] { return cloud.instanceTypes(); },
                                   .writer = &writer,
                                   .evictions = &evictionProbe,
                                   .metrics = &consolidationMetrics,
                                   .nominations = &nominations,
                                   .region = opt.region});
  controllers.push_back(std::move(disruption));
  controllers.push_back(std::make_unique<provisioner::nodeclaim::GarbageCollectionController>(
      cache, client, cloud, events, clock, provisioner::nodeclaim::GarbageCollectionOptions{},
      registry.get()));
  // Spot interruptions, stops and scheduled retirements from the SQS queue EventBridge fills.
  if (!opt.interruptionQueue.empty()) {
    interruptionMetrics.emplace(*registry);
    controllers.push_back(std::make_unique<provisioner::interruption::InterruptionController>(
        sqs, interruptionReader, interruptionHandler, clock,
        provisioner::interruption::InterruptionOptions{.queueName = opt.interruptionQueue,
                                                       .abortPoll = &sqsAbort},
        &*interruptionMetrics));
  }
  // EC2NodeClass status: what each class resolves to in EC2, and Ready (adds cache handlers too).
  controllers.push_back(provisioner::nodeclass::StatusController::forCluster(
      cache, client, nodeClassResolver, events, clock,
      {.onlyReferencedClasses = !opt.nodePoolSelector.empty()}, registry.get()));
  // NodePool status.resources (usage against limits); it hooks the cache too.
  controllers.push_back(provisioner::nodepool::UsageController::forCluster(cache, client, clock, {},
                                                                          registry.get()));
  // Cluster-state gauges: pending pods, nodes, NodePool usage and limits, GPUs, $/hour.
  provisioner::gauges::ClusterGauges clusterGauges(*registry);
  controllers.push_back(std::make_unique<provisioner::gauges::MetricsController>(
      provisioner::gauges::cacheStateSource(
          cache, clock,
          {.nominations = &nominations,
           .catalog = [&catalog]() -> api::InstanceTypesPtr {
             auto types = catalog();
             return types ? *types : nullptr;
           },
           .unavailableOfferings = [&unavailableOfferings] { return unavailableOfferings.size(); }}),
      clusterGauges, clock));

  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    exposer = std::make_unique<prometheus::Exposer>(opt.metricsAddress.listenSpec());
    exposer->RegisterCollectable(registry);
  } catch (const std::exception& e) {
    log->critical("cannot serve metrics address={} error={}", opt.metricsAddress.toString(), e.what());
    return 1;
  }

  log->info("starting controller cluster={} region={} catalog={} leader_elect={} interruption_queue={}",
            opt.clusterName, opt.region, opt.catalog, opt.leaderElect,
            opt.interruptionQueue.empty() ? "none" : opt.interruptionQueue);
  cache.start();
  // Declared before the health server, which reads the elector, so both outlive the server.
  std::optional<kube::Connection> leaseConn;
  std::unique_ptr<kube::LeaderElector> elector;
  std::atomic<kube::LeaderElector*> electorForProbe{nullptr};
  // Ready: caches synced and (with --leader-elect) the election's state known: we lead, or
  // we have seen who does. Never once the stop has begun.
  HealthServer health([&] {
    if (shutdown.requested() || !cache.hasSynced()) return false;
    if (!opt.leaderElect) return true;
    const kube::LeaderElector* e = electorForProbe.load();
    return e != nullptr && !e->done() && (e->isLeader() || !e->leader().empty());
  });
  // Everything below ends here: the controllers have returned by then. Events get a moment
  // to reach a healthy apiserver; the informers stop within one abandoned call.
  const auto finish = [&](int code) {
    shutdown.begin("exiting", code);
    if (!shutdown.abortCalls().load()) events.flush(std::chrono::seconds(1));
    events.stop();
    cache.stop();
    health.stop();
    shutdown.finished();
    log->info("stopped controller exit_code={} shutdown_seconds={:.2f}", code, shutdown.elapsedSeconds());
    return code;
  };
  if (Status s = health.start(opt.healthAddress); !s.isOk()) {
    log->critical("cannot serve health probes error={}", s.message());
    return finish(1);
  }
  for (int waited = 0; !cache.hasSynced(); ++waited) {
    if (shutdown.waitFor(std::chrono::milliseconds(200))) {
      log->info("stopping before the cache synced");
      return finish(0);
    }
    if (waited % 5 == 4) log->info("waiting for the cluster cache to sync");
  }
  log->info("synced cluster cache");
  // Load the catalog now rather than in the first batch (a live catalog takes many calls).
  if (auto types = cloud.instanceTypes(); !types && types.error().isCancelled()) {
    log->info("stopped loading instance types");
  } else if (!types) {
    log->warn("cannot load instance types yet error=\"{}\"", types.error().message());
  } else {
    log->info("loaded instance types types={}", (*types)->size());
  }
  if (shutdown.requested()) {
    log->info("stopping before the controllers started");
    return finish(0);
  }

  int exitCode = 0;
  if (opt.leaderElect) {
    // A dedicated client, so a busy main client never starves lease renewals. It is abandoned
    // last (abortLease), so that a leader releases the Lease after its controllers stopped.
    auto lc = kube::connect(*config, wallClock,
                            {.maxRetries = 0,
                             .requestTimeout = std::chrono::seconds(2),
                             .metrics = &kubeMetrics,
                             .abort = &shutdown.abortLease()});
    if (!lc) {
      log->critical("cannot connect for leader election error={}", lc.error().message());
      return finish(1);
    }
    leaseConn = std::move(*lc);
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    const std::string ns = opt.leaderElectNamespace.empty() ? conn->defaultNamespace : opt.leaderElectNamespace;
    elector = std::make_unique<kube::LeaderElector>(
        *leaseConn->client, wallClock,
        kube::LeaderElectionConfig{.leaseNamespace = ns,
                                   .leaseName = opt.leaderElectName,
                                   .identity = std::string(host) + "_" + std::to_string(::getpid())},
        kube::LeaderCallbacks{.onStartedLeading = [&](std::stop_token stop) {
                                log->info("started leading");
                                leader.Set(1);
                                runControllers(controllers, stop);
                              },
                              .onStoppedLeading =
                                  [&] {
                                    leader.Set(0);
                                    log->info("stopped leading");
                                  }});
    if (Status s = elector->start(); !s.isOk()) {
      log->critical("cannot start leader election error={}", s.message());
      return finish(1);
    }
    electorForProbe.store(elector.get());
    while (!shutdown.waitFor(std::chrono::milliseconds(200))) {
      if (elector->done()) break;
    }
    if (!shutdown.requested()) {
      log->error("lost leadership; exiting so a fresh replica contends again");
      exitCode = 1;
      shutdown.begin("lost leadership", exitCode);
    }
    elector->stop();  // stops the controllers, then releases the Lease if we hold it
  } else {
    leader.Set(1);
    std::jthread runner([&](std::stop_token stop) { runControllers(controllers, stop); });
    while (!shutdown.waitFor(std::chrono::hours(1))) {
    }
    runner.request_stop();
  }
  log->info("stopping controller");
  return finish(exitCode);
}

}  // namespace gantry::cmd
