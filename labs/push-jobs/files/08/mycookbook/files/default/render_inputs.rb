# Render the ERB template with the node's variables, as Chef's template
# resource does, and write the inputs file the profile reads.
require 'erb'
cache = '/var/chef/cache'
@node_name = ENV.fetch('NODE_NAME')
@chef_environment = ENV.fetch('CHEF_ENVIRONMENT', 'production')
template = File.read("#{cache}/cookbooks/mycookbook/templates/default/inputs.yml.erb")
File.write("#{cache}/mycookbook-inputs.yml", ERB.new(template).result(binding))
