import { mount } from '../../lib/page'
import SettingsPage from './SettingsPage.vue'

mount(SettingsPage)
