# run-job.sh JOB NODE: run the command NODE's push-jobs whitelist allows
# for JOB, with NODE's /var/chef/cache, in the cincproject/auditor image.
set -eu
job=$1 node=$2
cmd=$(docker exec "$node" ruby /var/chef/cache/cookbooks/mycookbook/files/default/whitelist.rb "$job")
rm -rf "cache-$node" && mkdir "cache-$node"
docker exec "$node" tar -C /var/chef/cache -cf - . | tar -C "cache-$node" -xf -
exec docker run --rm -v /var/run/docker.sock:/var/run/docker.sock -v "$PWD/cache-$node:/var/chef/cache" \
  --entrypoint "" cincproject/auditor $cmd -t "docker://$node" --no-color
