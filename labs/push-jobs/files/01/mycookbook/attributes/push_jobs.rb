default['push_jobs']['whitelist'] = {
 'chef-client' => 'chef-client',
 'inspec' => node['mycookbook']['inspec_command']
}
